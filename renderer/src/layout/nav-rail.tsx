import { Tab, TabList } from '@fluentui/react-components';
import {
  ArrowExpandRegular,
  ArrowSplitRegular,
  BoxMultipleRegular,
  DataAreaRegular,
  DesktopRegular,
  StethoscopeRegular,
  ServerMultipleRegular,
  TaskListSquareLtrRegular,
} from '@fluentui/react-icons';
import { useNavStore, type ViewId } from '../stores/nav-store';
import { useMigrationEntry } from '../views/migration/use-migration-entry';

const ITEMS: { id: ViewId; label: string; icon: React.JSX.Element }[] = [
  { id: 'overview', label: 'Overview', icon: <DataAreaRegular /> },
  { id: 'nodes', label: 'Nodes', icon: <ServerMultipleRegular /> },
  { id: 'tasks', label: 'Tasks', icon: <TaskListSquareLtrRegular /> },
  { id: 'balancer', label: 'Load balancer', icon: <ArrowSplitRegular /> },
  { id: 'diagnostics', label: 'Diagnostics', icon: <StethoscopeRegular /> },
  { id: 'hosts', label: 'Hosts', icon: <DesktopRegular /> },
  { id: 'clusters', label: 'Clusters', icon: <BoxMultipleRegular /> },
];

/** Offered for a cluster of one standalone node, or while its migration is under way. */
const MIGRATION_ITEM = { id: 'migration' as const, label: 'Move to HA', icon: <ArrowExpandRegular /> };

export function NavRail() {
  const { view, go } = useNavStore();
  const migration = useMigrationEntry();
  const items =
    migration || view === 'migration' ? [...ITEMS.slice(0, -1), MIGRATION_ITEM, ITEMS.at(-1)!] : ITEMS;
  return (
    <TabList
      vertical
      size="large"
      selectedValue={view}
      onTabSelect={(_event, data) => go(data.value as ViewId)}
      style={{ padding: '12px 8px' }}
      aria-label="Views"
    >
      {items.map((item) => (
        <Tab key={item.id} value={item.id} icon={item.icon}>
          {item.label}
        </Tab>
      ))}
    </TabList>
  );
}
