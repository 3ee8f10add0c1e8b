import {
  Body1,
  Button,
  Checkbox,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
} from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { useNotify } from '../../components/use-notify';
import { useMigrationAction } from '../../hooks/use-migration';
import { useSnapshot } from '../../hooks/use-snapshot';
import { JournalLine } from './journal-line';
import { useMigrationUi } from './migration-ui-store';
import { StepCard } from './step-card';

/** The end: finalize (archive the embedded database, no way back) or roll back to the standalone as it was. */
export function FinishStep({ state }: { state: MigrationStateDto }) {
  const [finalizing, setFinalizing] = useState(false);
  const { rollbackOpen, setRollbackOpen, ranStep } = useMigrationUi();
  const [force, setForce] = useState(false);
  const act = useMigrationAction();
  const notify = useNotify();
  const role = useSnapshot().data?.connection.role ?? null;
  const busy =
    deniedReason(role, 'migrations.run') ??
    (state.running ? 'Wait until the step that runs has finished.' : null);
  const rollback = state.results.rollback?.rollback ?? null;
  const archive = state.results.finalize?.archive ?? null;
  const run = (action: { kind: 'finalize' } | { kind: 'rollback'; force: boolean }, done: () => void) =>
    void act.mutateAsync(action).then(
      () => {
        done();
        ranStep('finish');
      },
      (error: unknown) => notify.failure('The console refused', error),
    );
  return (
    <StepCard
      step="finish"
      state={state}
      intro="Finalize once the new cluster is verified and tested: the embedded database is archived (with its sha256) and removed, and the rollback is gone. Until then, a rollback drains the new nodes, brings the standalone back on its own database and checks it is exactly as at the switch."
    >
      <JournalLine state={state} step="finalize" />
      {state.finalized && (
        <MessageBar intent="success" data-testid="migration-finalized">
          <MessageBarBody>
            <MessageBarTitle>{state.clusterName} runs in high availability.</MessageBarTitle>
            {archive
              ? `The embedded database is archived in ${archive.path} (sha256 ${archive.sha256.slice(0, 16)}…).`
              : ''}
          </MessageBarBody>
        </MessageBar>
      )}
      {rollback && !state.finalized && (
        <Body1 data-testid="rollback-result">
          {rollback.restoredIdentical === true
            ? 'Rolled back: the standalone is as it was at the switch.'
            : rollback.requiresForce
              ? `A rollback now loses work done on the new cluster: ${rollback.lost.map((lost) => `${lost.table} (${lost.rowsNow - lost.rowsAtFreeze} rows)`).join(', ')}.`
              : rollback.differences.join('; ')}
        </Body1>
      )}
      {!state.finalized && (
        <div style={{ display: 'flex', gap: 8 }}>
          <Button
            appearance="primary"
            disabled={busy !== null || state.stage !== 'finish'}
            title={busy ?? (state.stage !== 'finish' ? 'Verify, provision and smoke-test first.' : undefined)}
            onClick={() => setFinalizing(true)}
          >
            Finalize
          </Button>
          <Button disabled={busy !== null || !state.inProgress} onClick={() => setRollbackOpen(true)}>
            Roll back
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={finalizing}
        title="Finalize the migration?"
        confirmLabel="Finalize"
        busy={act.isPending}
        onCancel={() => setFinalizing(false)}
        onConfirm={() => run({ kind: 'finalize' }, () => setFinalizing(false))}
      >
        <Body1>
          The standalone&apos;s embedded database is archived and removed: there is no rollback after this.
        </Body1>
      </ConfirmDialog>
      <ConfirmDialog
        open={rollbackOpen}
        title="Roll back the migration?"
        confirmLabel={force ? 'Roll back and lose that work' : 'Roll back'}
        danger
        busy={act.isPending}
        onCancel={() => setRollbackOpen(false)}
        onConfirm={() => run({ kind: 'rollback', force }, () => setRollbackOpen(false))}
      >
        <Body1>
          The new nodes are drained (off every balancer) and listed for stopping, the standalone goes back to
          its embedded database and storage, and the console checks it is exactly as at the switch.
        </Body1>
        <Checkbox
          checked={force}
          onChange={(_e, data) => setForce(data.checked === true)}
          label="Even if the new cluster has done work since the switch (that work is lost)"
        />
      </ConfirmDialog>
    </StepCard>
  );
}
