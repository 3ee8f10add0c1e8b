import { Body1 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { formatBytes, formatDuration } from '../../components/format';
import { JournalLine } from './journal-line';
import { ProgressList } from './progress-list';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** Files to the share while the standalone serves, then the rehearsal of the database copy. */
export function PrecopyStep({ state }: { state: MigrationStateDto }) {
  const running = state.running?.step === 'precopy' ? state.running : null;
  const progress = running ?? (state.lastRun?.step === 'precopy' ? state.lastRun : null);
  const result = state.results.precopy;
  const journal = state.status?.journal?.steps.find((step) => step.step === 'precopy');
  return (
    <StepCard
      step="precopy"
      state={state}
      intro="Copies packages, task logs and artifacts to the share while the standalone keeps serving, each file checked by its sha256; then rehearses the database copy into a scratch schema on the target, verifies it and drops it. Run it again any time: only what changed is copied."
    >
      <div>
        <RunButton state={state} action={{ kind: 'precopy' }}>
          {journal?.state === 'interrupted' || journal?.state === 'failed'
            ? 'Resume the pre-copy'
            : result
              ? 'Pre-copy again'
              : 'Start the pre-copy'}
        </RunButton>
      </div>
      <JournalLine state={state} step="precopy" />
      {progress && progress.progress.length > 0 && (
        <ProgressList events={progress.progress} label="Pre-copy progress" finished={!running} />
      )}
      {result?.files && !running && (
        <Body1 data-testid="precopy-files">
          {result.files.filesTotal} files ({formatBytes(result.files.bytesTotal)}) on the share,{' '}
          {result.files.filesCopied} copied by this run in {formatDuration(result.files.ms)}.
        </Body1>
      )}
    </StepCard>
  );
}
