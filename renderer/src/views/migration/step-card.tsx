import { Body1, Button, MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { ArrowRightRegular, CodeRegular } from '@fluentui/react-icons';
import type { MigrationStateDto, MigrationWizardStep } from '@flotilla/electron/common/contract';
import { MIGRATION_STEP_TITLES, MIGRATION_WIZARD_STEPS } from '@flotilla/electron/common/migration-steps';
import type { ReactNode } from 'react';
import { SectionCard } from '../../components/section-card';
import { useMigrationUi } from './migration-ui-store';

/** One wizard step: what it does, its last failure, its controls, and "Show the commands". */
export function StepCard({
  step,
  state,
  intro,
  children,
}: {
  step: MigrationWizardStep;
  state: MigrationStateDto;
  intro: ReactNode;
  children: ReactNode;
}) {
  const { showCommands, show } = useMigrationUi();
  const failure = state.error?.step === step && state.running === null ? state.error : null;
  const at = MIGRATION_WIZARD_STEPS.indexOf(step);
  // Done with this step (the migration stands further on): the one after it.
  const next =
    state.running === null && at < MIGRATION_WIZARD_STEPS.indexOf(state.stage)
      ? MIGRATION_WIZARD_STEPS[at + 1]
      : undefined;
  return (
    <section aria-label={MIGRATION_STEP_TITLES[step]} data-testid="migration-step" data-step={step}>
      <SectionCard
        title={MIGRATION_STEP_TITLES[step]}
        action={
          <Button appearance="subtle" icon={<CodeRegular />} onClick={() => showCommands(step)}>
            Show the commands
          </Button>
        }
      >
        <Body1 block>{intro}</Body1>
        {failure && (
          <MessageBar intent="error" layout="multiline" data-testid="migration-step-error">
            <MessageBarBody>
              <MessageBarTitle>{MIGRATION_STEP_TITLES[step]} did not succeed</MessageBarTitle>
              {failure.message}
            </MessageBarBody>
          </MessageBar>
        )}
        {children}
        {next && (
          <div>
            <Button
              appearance="primary"
              icon={<ArrowRightRegular />}
              iconPosition="after"
              onClick={() => show(next)}
            >
              Next: {MIGRATION_STEP_TITLES[next]}
            </Button>
          </div>
        )}
      </SectionCard>
    </section>
  );
}
