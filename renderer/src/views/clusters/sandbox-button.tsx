import { Button, Spinner } from '@fluentui/react-components';
import { BeakerRegular } from '@fluentui/react-icons';
import { useSandboxStatus, useStartSandbox } from '../../hooks/use-sandbox';
import { useNotify } from '../../components/use-notify';
import { useNavStore } from '../../stores/nav-store';

/** One click to a local cluster: embedded PostgreSQL, three nodes and the built-in balancer. */
export function SandboxButton({ appearance = 'primary' }: { appearance?: 'primary' | 'secondary' }) {
  const status = useSandboxStatus().data;
  const start = useStartSandbox();
  const notify = useNotify();
  const go = useNavStore((state) => state.go);
  const starting = start.isPending || status?.state === 'starting';
  if (status?.state === 'running') return null;
  return (
    <Button
      appearance={appearance}
      icon={starting ? <Spinner size="tiny" /> : <BeakerRegular />}
      disabled={starting}
      onClick={() =>
        start.mutate(undefined, {
          onSuccess: () => {
            notify.success('Local sandbox cluster started', 'Three nodes behind the built-in balancer.');
            go('overview');
          },
          onError: (error) => notify.failure('The sandbox did not start', error),
        })
      }
    >
      {starting ? 'Starting the sandbox (about 10 s)…' : 'Start a local sandbox cluster'}
    </Button>
  );
}
