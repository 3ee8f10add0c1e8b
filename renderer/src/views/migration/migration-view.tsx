import { Body1, Card, Spinner, tokens } from '@fluentui/react-components';
import { useEffect } from 'react';
import type { MigrationStateDto, MigrationWizardStep } from '@flotilla/electron/common/contract';
import { ViewTitle } from '../../components/view-title';
import { useMigration } from '../../hooks/use-migration';
import { BalancerStep } from './balancer-step';
import { CommandsDialog } from './commands-dialog';
import { FinishStep } from './finish-step';
import { useMigrationUi } from './migration-ui-store';
import { MigrationStepper } from './migration-stepper';
import { NodesStep } from './nodes-step';
import { PrecopyStep } from './precopy-step';
import { PreflightStep } from './preflight-step';
import { ProvisionStep } from './provision-step';
import { RehearsalStep } from './rehearsal-step';
import { SharedStep } from './shared-step';
import { SmokeStep } from './smoke-step';
import { SourceStep } from './source-step';
import { SwitchStep } from './switch-step';
import { TargetStep } from './target-step';
import { VerifyStep } from './verify-step';

const STEPS: Record<MigrationWizardStep, (props: { state: MigrationStateDto }) => React.JSX.Element> = {
  source: SourceStep,
  target: TargetStep,
  shared: SharedStep,
  nodes: NodesStep,
  balancer: BalancerStep,
  preflight: PreflightStep,
  precopy: PrecopyStep,
  rehearsal: RehearsalStep,
  switch: SwitchStep,
  verify: VerifyStep,
  provision: ProvisionStep,
  smoke: SmokeStep,
  finish: FinishStep,
};

/** "Move to high availability": the guided migration of a standalone node, step by step, from its journal. */
export function MigrationView() {
  const migration = useMigration();
  const { shown, show, lastRun, ranStep } = useMigrationUi();
  const state = migration.data;
  const running = state?.running?.step ?? null;
  useEffect(() => {
    if (running) ranStep(running);
  }, [running, ranStep]);
  if (!state)
    return (
      <>
        <ViewTitle>Move to high availability</ViewTitle>
        {migration.error ? (
          <Body1>{String(migration.error.message)}</Body1>
        ) : (
          <Spinner label="Reading the migration's journal…" />
        )}
      </>
    );
  // While a step runs the wizard shows it, then its outcome; otherwise the step opened, or where it stands.
  const current = state.running?.step ?? shown ?? lastRun ?? state.stage;
  const Step = STEPS[current];
  return (
    <>
      <ViewTitle>Move {state.clusterName} to high availability</ViewTitle>
      {!state.eligible && !state.finalized && state.ineligibleReason && (
        <Body1>{state.ineligibleReason}</Body1>
      )}
      <div
        style={{ display: 'grid', gridTemplateColumns: '240px minmax(0, 1fr)', gap: 16, alignItems: 'start' }}
      >
        <Card style={{ padding: 8, boxShadow: tokens.shadow2 }}>
          <MigrationStepper state={state} shown={current} onShow={show} />
        </Card>
        <div
          data-testid="migration-wizard"
          data-stage={state.stage}
          data-running={state.running?.step ?? ''}
          style={{ overflowWrap: 'anywhere' }}
        >
          <Step key={current} state={state} />
        </div>
      </div>
      <CommandsDialog />
    </>
  );
}
