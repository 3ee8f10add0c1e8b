import { Caption1 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { formatClock } from '../../components/format';
import { CheckList } from './check-list';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** The cluster used as users will: through the balancer, a task on every node, an old log, a package's checksum. */
export function SmokeStep({ state }: { state: MigrationStateDto }) {
  const smoke = state.smoke;
  const running = state.running?.step === 'smoke';
  return (
    <StepCard
      step="smoke"
      state={state}
      intro="Through the balancer: a noop task on every node (each must run one), an old task's log read through every node, and a package downloaded with its sha256 matched against the feed."
    >
      <div>
        <RunButton state={state} action={{ kind: 'smokeTest' }}>
          {running ? 'Running the smoke test…' : smoke ? 'Run the smoke test again' : 'Run the smoke test'}
        </RunButton>
      </div>
      {smoke && !running && (
        <>
          <Caption1 data-testid="smoke-result" data-ok={smoke.ok}>
            {smoke.ok ? 'Passed' : 'Failed'} at {formatClock(smoke.finishedAt)}
          </Caption1>
          <CheckList checks={smoke.checks} label="Smoke test" />
        </>
      )}
    </StepCard>
  );
}
