import { Body1, Title2 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { formatDuration } from '../../components/format';
import { JournalLine } from './journal-line';
import { ProgressList } from './progress-list';
import { RunButton } from './run-button';
import { StepCard } from './step-card';
import { PhaseTable } from './phase-table';

/** The window, live: maintenance, drain, stop, delta and database copy, verify, start; then what it measured. */
export function SwitchStep({ state }: { state: MigrationStateDto }) {
  const running = state.running?.step === 'switch' ? state.running : null;
  const progress = running ?? (state.lastRun?.step === 'switch' ? state.lastRun : null);
  const window = state.results.switch?.window ?? null;
  const journal = state.status?.journal?.steps.find((step) => step.step === 'switch');
  const resumable = journal && journal.state !== 'done' && journal.state !== 'pending' && !running;
  return (
    <StepCard
      step="switch"
      state={state}
      intro="The outage: maintenance on, running tasks drain, the node stops, the files changed since the pre-copy and the database are copied side by side and compared table by table, the config is repointed, the sentinel written last, and the node starts on the new database."
    >
      <JournalLine state={state} step="switch" />
      {progress && progress.progress.length > 0 && (
        <ProgressList events={progress.progress} label="Switch-over progress" finished={!running} />
      )}
      {resumable && (
        <div>
          <RunButton state={state} action={{ kind: 'switch' }}>
            Resume the switch-over
          </RunButton>
        </div>
      )}
      {window && !running && (
        <>
          <Title2 as="p" data-testid="measured-window" style={{ margin: 0 }}>
            Window: {window.windowMs === null ? 'still open' : formatDuration(window.windowMs)}
            {window.predictedWindowMs !== null && ` (predicted ${formatDuration(window.predictedWindowMs)})`}
          </Title2>
          <Body1>
            Node {window.nodeStarted ? 'serving on the new database' : 'not started yet'} ({window.control});{' '}
            {window.deltaFiles} files copied in the window, {window.tasksCanceled} tasks canceled.
          </Body1>
          <PhaseTable label="The window's phases" phases={window.phases} />
        </>
      )}
    </StepCard>
  );
}
