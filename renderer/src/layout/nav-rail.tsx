import { Tab, TabList } from '@fluentui/react-components';
import {
  ArrowSplitRegular,
  BoxMultipleRegular,
  DataAreaRegular,
  DesktopRegular,
  ServerMultipleRegular,
  TaskListSquareLtrRegular,
} from '@fluentui/react-icons';
import { useNavStore, type ViewId } from '../stores/nav-store';

const ITEMS: { id: ViewId; label: string; icon: React.JSX.Element }[] = [
  { id: 'overview', label: 'Overview', icon: <DataAreaRegular /> },
  { id: 'nodes', label: 'Nodes', icon: <ServerMultipleRegular /> },
  { id: 'tasks', label: 'Tasks', icon: <TaskListSquareLtrRegular /> },
  { id: 'balancer', label: 'Load balancer', icon: <ArrowSplitRegular /> },
  { id: 'hosts', label: 'Hosts', icon: <DesktopRegular /> },
  { id: 'clusters', label: 'Clusters', icon: <BoxMultipleRegular /> },
];

export function NavRail() {
  const { view, go } = useNavStore();
  return (
    <TabList
      vertical
      size="large"
      selectedValue={view}
      onTabSelect={(_event, data) => go(data.value as ViewId)}
      style={{ padding: '12px 8px' }}
      aria-label="Views"
    >
      {ITEMS.map((item) => (
        <Tab key={item.id} value={item.id} icon={item.icon}>
          {item.label}
        </Tab>
      ))}
    </TabList>
  );
}
