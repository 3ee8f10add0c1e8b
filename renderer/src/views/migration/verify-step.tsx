import { Body1 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { CheckList } from './check-list';
import { JournalLine } from './journal-line';
import { ProgressList } from './progress-list';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** Row counts and hashes of every table, every file's checksum, every package, and the node's own doctor. */
export function VerifyStep({ state }: { state: MigrationStateDto }) {
  const running = state.running?.step === 'verify' ? state.running : null;
  const progress = running ?? (state.lastRun?.step === 'verify' ? state.lastRun : null);
  const result = state.results.verify;
  const failed = result?.checks.filter((check) => check.status !== 'pass') ?? [];
  return (
    <StepCard
      step="verify"
      state={state}
      intro="Compares the new database with the standalone's at the switch, table by table (rows and hashes), every sequence, the cluster's identity and master key, reads every file on the share back with its sha256, and runs the node's doctor."
    >
      <div>
        <RunButton state={state} action={{ kind: 'verify' }}>
          {result ? 'Verify again' : 'Run the verification'}
        </RunButton>
      </div>
      <JournalLine state={state} step="verify" />
      {progress && progress.progress.length > 0 && (
        <ProgressList events={progress.progress} label="Verification progress" finished={!running} />
      )}
      {result && !running && (
        <>
          <Body1 data-testid="verify-summary">
            {result.checks.length - failed.length} of {result.checks.length} checks pass
            {result.database
              ? `; ${result.database.tables.length} tables, ${result.database.rows} rows compared`
              : ''}
            .
          </Body1>
          <div style={{ maxHeight: 360, overflowY: 'auto' }}>
            <CheckList
              checks={[...failed, ...result.checks.filter((check) => check.status === 'pass')]}
              label="Verification"
            />
          </div>
        </>
      )}
    </StepCard>
  );
}
