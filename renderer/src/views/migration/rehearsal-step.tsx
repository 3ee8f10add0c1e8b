import { Body1, Button, Caption1, Title2 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { formatDuration } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useMigrationAction } from '../../hooks/use-migration';
import { useSnapshot } from '../../hooks/use-snapshot';
import { useMigrationUi } from './migration-ui-store';
import { StepCard } from './step-card';
import { PhaseTable } from './phase-table';

/** The rehearsal's predicted window, and the one button that starts the outage, after a confirm that states it. */
export function RehearsalStep({ state }: { state: MigrationStateDto }) {
  const rehearsal = state.results.precopy?.rehearsal ?? null;
  const [confirming, setConfirming] = useState(false);
  const start = useMigrationAction();
  const notify = useNotify();
  const ranStep = useMigrationUi((ui) => ui.ranStep);
  const role = useSnapshot().data?.connection.role ?? null;
  const reason =
    deniedReason(role, 'migrations.run') ??
    (state.running ? 'Wait until the step that runs has finished.' : null) ??
    (state.stage !== 'rehearsal' ? 'The pre-copy and its rehearsal come first.' : null);
  const window = rehearsal ? formatDuration(rehearsal.predictedWindowMs) : 'a few seconds';
  return (
    <StepCard
      step="rehearsal"
      state={state}
      intro="The precopy copied the database exactly as the switch will, into a scratch schema, and timed it. From that it predicts the window: from maintenance on to the node serving on the new database."
    >
      {rehearsal ? (
        <>
          <Title2 as="p" data-testid="predicted-window" style={{ margin: 0 }}>
            Predicted window: {window}
          </Title2>
          <Caption1>
            Rehearsal: {rehearsal.dbRows} rows copied in {formatDuration(rehearsal.dbCopyMs)}, verified in{' '}
            {formatDuration(rehearsal.dbVerifyMs)}; {rehearsal.deltaFiles} files changed since the pre-copy.
          </Caption1>
          <PhaseTable label="How the window adds up" phases={rehearsal.breakdown} />
        </>
      ) : (
        <Body1>
          No rehearsal from this console yet: run the pre-copy (the journal may say an admin ran it by hand).
        </Body1>
      )}
      <div>
        <Button
          appearance="primary"
          disabled={reason !== null}
          title={reason ?? undefined}
          onClick={() => setConfirming(true)}
        >
          Start the switch-over
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Start the switch-over?"
        confirmLabel="Start the switch-over"
        danger
        busy={start.isPending}
        error={start.error}
        onCancel={() => setConfirming(false)}
        onConfirm={() =>
          void start.mutateAsync({ kind: 'switch' }).then(
            () => {
              setConfirming(false);
              ranStep('switch');
            },
            (error: unknown) => notify.failure('The switch-over did not start', error),
          )
        }
      >
        <Body1 block data-testid="switch-window">
          {state.clusterName} will be in maintenance for about <strong>{window}</strong> (the rehearsal&apos;s
          prediction): writes get 503 &quot;maintenance: migration in progress&quot;, running tasks finish
          first (or are canceled after 120 s), the node stops, the last changes and the database are copied
          and compared, and the node starts on the new database.
        </Body1>
        <Body1 block>Until you finalize, a rollback brings the standalone back as it was.</Body1>
      </ConfirmDialog>
    </StepCard>
  );
}
