import { makeStyles, tokens } from '@fluentui/react-components';
import { useActiveCluster } from '../hooks/use-clusters';
import { useNavStore, type ViewId } from '../stores/nav-store';
import { BalancerView } from '../views/balancer/balancer-view';
import { ClustersView } from '../views/clusters/clusters-view';
import { DiagnosticsView } from '../views/diagnostics/diagnostics-view';
import { HostsView } from '../views/hosts/hosts-view';
import { MigrationBanner } from '../views/migration/migration-banner';
import { MigrationView } from '../views/migration/migration-view';
import { NoClusterState } from '../views/clusters/no-cluster-state';
import { NodesView } from '../views/nodes/nodes-view';
import { OverviewView } from '../views/overview/overview-view';
import { TasksView } from '../views/tasks/tasks-view';
import { BridgeBanner } from './bridge-banner';
import { ConnectionBanner } from './connection-banner';
import { NavRail } from './nav-rail';
import { TopBar } from './top-bar';

const useStyles = makeStyles({
  root: { display: 'grid', gridTemplateColumns: '220px 1fr', gridTemplateRows: '52px 1fr', height: '100%' },
  top: { gridColumn: '1 / 3' },
  nav: {
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  main: {
    overflow: 'auto',
    padding: '20px 28px',
    backgroundColor: tokens.colorNeutralBackground3,
    display: 'flex',
    flexDirection: 'column',
    gap: '16px',
  },
});

const VIEWS: Record<Exclude<ViewId, 'clusters'>, () => React.JSX.Element> = {
  overview: OverviewView,
  nodes: NodesView,
  tasks: TasksView,
  balancer: BalancerView,
  diagnostics: DiagnosticsView,
  hosts: HostsView,
  migration: MigrationView,
};

export function AppShell() {
  const styles = useStyles();
  const view = useNavStore((state) => state.view);
  const active = useActiveCluster();
  const View = view === 'clusters' ? ClustersView : active ? VIEWS[view] : NoClusterState;
  return (
    <div className={styles.root}>
      <div className={styles.top}>
        <TopBar />
      </div>
      <nav className={styles.nav}>
        <NavRail />
      </nav>
      <main className={styles.main}>
        <BridgeBanner />
        {view !== 'clusters' && active && <ConnectionBanner />}
        {view !== 'migration' && active && <MigrationBanner />}
        <View />
      </main>
    </div>
  );
}
