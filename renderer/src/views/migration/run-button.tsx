import { Button, Spinner } from '@fluentui/react-components';
import type { MigrationStateDto, MigrationWizardStep } from '@flotilla/electron/common/contract';
import { deniedReason } from '@flotilla/electron/common/permissions';
import type { ReactNode } from 'react';
import { useNotify } from '../../components/use-notify';
import { useMigrationAction, type MigrationAction } from '../../hooks/use-migration';
import { useSnapshot } from '../../hooks/use-snapshot';
import { useMigrationUi } from './migration-ui-store';

/**
 * A wizard button that starts something on the console: off (with the reason) for a key that may not,
 * while anything of this migration runs, or while the step's own `blocked` reason holds.
 */
export function RunButton({
  state,
  action,
  children,
  blocked = null,
  appearance = 'primary',
  next = null,
  onStarted,
}: {
  state: MigrationStateDto;
  action: MigrationAction;
  children: ReactNode;
  blocked?: string | null;
  appearance?: 'primary' | 'secondary';
  /** The step to show once it started; by default the wizard follows where the migration stands. */
  next?: MigrationWizardStep | null;
  onStarted?: (state: MigrationStateDto) => void;
}) {
  const run = useMigrationAction();
  const { show, ranStep } = useMigrationUi();
  const notify = useNotify();
  const role = useSnapshot().data?.connection.role ?? null;
  const reason =
    deniedReason(role, 'migrations.run') ??
    (state.running ? 'Wait until the step that runs has finished.' : null) ??
    blocked;
  const busy = run.isPending;
  return (
    <Button
      appearance={appearance}
      disabled={busy || reason !== null}
      title={reason ?? undefined}
      icon={busy ? <Spinner size="tiny" /> : undefined}
      // Awaited here rather than through mutate's callbacks: the step may be replaced by the next one first.
      onClick={() =>
        void run.mutateAsync(action).then(
          (started) => {
            // A step that runs is shown, and its outcome once it ends; a saved plan goes on to `next`.
            if (started.running) ranStep(started.running.step);
            else show(next);
            onStarted?.(started);
          },
          (error: unknown) => notify.failure('The console refused', error),
        )
      }
    >
      {children}
    </Button>
  );
}
