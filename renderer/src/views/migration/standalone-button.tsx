import { Button, Spinner } from '@fluentui/react-components';
import { ServerRegular } from '@fluentui/react-icons';
import { useNotify } from '../../components/use-notify';
import { useStartStandalone } from '../../hooks/use-migration';
import { useNavStore } from '../../stores/nav-store';
import { useMigrationUi } from './migration-ui-store';

/**
 * One node with its embedded database on this machine, as a new user's first server: the start of the
 * HA migration walked on one machine.
 */
export function StandaloneButton({ appearance = 'secondary' }: { appearance?: 'primary' | 'secondary' }) {
  const start = useStartStandalone();
  const notify = useNotify();
  const go = useNavStore((state) => state.go);
  const show = useMigrationUi((ui) => ui.show);
  return (
    <Button
      appearance={appearance}
      icon={start.isPending ? <Spinner size="tiny" /> : <ServerRegular />}
      disabled={start.isPending}
      // Awaited here rather than through mutate's callbacks: this screen goes away as soon as the cluster is selected.
      onClick={() =>
        void start.mutateAsync().then(
          (cluster) => {
            notify.success('Local standalone server started', `${cluster.name} at ${cluster.balancerUrl}`);
            show('source');
            go('migration');
          },
          (error: unknown) => notify.failure('The standalone server did not start', error),
        )
      }
    >
      {start.isPending ? 'Starting the standalone server…' : 'Start a local standalone server'}
    </Button>
  );
}
