import { Body1 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { useActiveCluster } from '../../hooks/use-clusters';
import { useHostActions } from '../../hooks/use-hosts';
import { ActionPanel } from '../hosts/action-panel';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** The balancer starts and the new nodes are provisioned with the Hosts view's provisioning, streamed here too. */
export function ProvisionStep({ state }: { state: MigrationStateDto }) {
  const cluster = useActiveCluster();
  const actions = (useHostActions().data ?? []).filter((action) =>
    state.provisionActionIds.includes(action.id),
  );
  const { nodes, balancer } = state.plan;
  const running = state.running?.step === 'provision';
  return (
    <StepCard
      step="provision"
      state={state}
      intro={`${
        balancer?.kind === 'builtin'
          ? `The console starts the built-in balancer on ${balancer.listenHost}:${balancer.port} of the source host`
          : 'The console adds the migrated node to the cluster’s HAProxy'
      } and then talks to the cluster through it; then it provisions ${nodes.length} new node(s) on their hosts (the new database and the master key reach them over SSH, on stdin), each into the balancer's rotation.`}
    >
      <div>
        <RunButton
          state={state}
          action={{ kind: 'provisionNodes' }}
          appearance={state.stage === 'provision' ? 'primary' : 'secondary'}
        >
          {state.stage === 'provision' && !actions.some((action) => action.state === 'failed')
            ? `Start the balancer and provision ${nodes.length} node(s)`
            : 'Provision again (finished steps are skipped)'}
        </RunButton>
      </div>
      {cluster && state.stage !== 'provision' && !running && (
        <Body1 data-testid="cluster-url">
          The console reaches {cluster.name} at {cluster.balancerUrl}.
        </Body1>
      )}
      {actions.map((action) => (
        <ActionPanel key={action.id} action={action} onRunAgain={null} runAgainDenied={null} />
      ))}
    </StepCard>
  );
}
