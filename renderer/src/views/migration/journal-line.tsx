import { Caption1, tokens } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { formatClock } from '../../components/format';

type EngineStep = 'preflight' | 'precopy' | 'switch' | 'verify' | 'finalize';

/** What the engine's journal on the source says of a step: the truth, whoever ran it. */
export function JournalLine({ state, step }: { state: MigrationStateDto; step: EngineStep }) {
  const entry = state.status?.journal?.steps.find((candidate) => candidate.step === step);
  if (!entry || entry.state === 'pending') return null;
  const color =
    entry.state === 'done'
      ? tokens.colorPaletteGreenForeground1
      : entry.state === 'failed' || entry.state === 'interrupted'
        ? tokens.colorPaletteRedForeground1
        : tokens.colorNeutralForeground2;
  return (
    <Caption1 block data-testid="journal-line" data-step={step} data-state={entry.state} style={{ color }}>
      Journal: {step} {entry.state}
      {entry.finishedAt
        ? ` at ${formatClock(entry.finishedAt)}`
        : entry.startedAt
          ? ` since ${formatClock(entry.startedAt)}`
          : ''}
      {entry.by ? ` by ${entry.by}` : ''}
      {entry.summary ? `: ${entry.summary}` : ''}
      {entry.error ? `: ${entry.error}` : ''}
      {entry.state === 'interrupted' ? ' — run it again: it resumes.' : ''}
    </Caption1>
  );
}
