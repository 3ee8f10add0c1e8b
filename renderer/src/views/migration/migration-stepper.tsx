import { Body1, Spinner, tokens } from '@fluentui/react-components';
import { CheckmarkCircleFilled, CircleRegular, RecordRegular } from '@fluentui/react-icons';
import type { MigrationStateDto, MigrationWizardStep } from '@flotilla/electron/common/contract';
import { MIGRATION_STEP_TITLES, MIGRATION_WIZARD_STEPS } from '@flotilla/electron/common/migration-steps';

/** Every step in order: done, where it stands, still to come; any of them can be opened. */
export function MigrationStepper({
  state,
  shown,
  onShow,
}: {
  state: MigrationStateDto;
  shown: MigrationWizardStep;
  onShow: (step: MigrationWizardStep) => void;
}) {
  const stageAt = MIGRATION_WIZARD_STEPS.indexOf(state.stage);
  return (
    <nav aria-label="Migration steps">
      <ol
        style={{ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 2 }}
      >
        {MIGRATION_WIZARD_STEPS.map((step, at) => {
          const status = state.finalized || at < stageAt ? 'done' : at === stageAt ? 'current' : 'todo';
          const running = state.running?.step === step;
          const icon = running ? (
            <Spinner size="extra-tiny" aria-label="running" />
          ) : status === 'done' ? (
            <CheckmarkCircleFilled color={tokens.colorPaletteGreenForeground1} aria-label="done" />
          ) : status === 'current' ? (
            <RecordRegular color={tokens.colorBrandForeground1} aria-label="current" />
          ) : (
            <CircleRegular color={tokens.colorNeutralForeground3} aria-label="to do" />
          );
          return (
            <li key={step}>
              <button
                type="button"
                onClick={() => onShow(step)}
                data-testid="migration-stepper-step"
                data-step={step}
                data-status={running ? 'running' : status}
                aria-current={shown === step ? 'step' : undefined}
                style={{
                  display: 'flex',
                  gap: 8,
                  alignItems: 'center',
                  width: '100%',
                  padding: '6px 10px',
                  border: 'none',
                  borderRadius: tokens.borderRadiusMedium,
                  cursor: 'pointer',
                  textAlign: 'left',
                  color: tokens.colorNeutralForeground1,
                  backgroundColor: shown === step ? tokens.colorNeutralBackground1Selected : 'transparent',
                }}
              >
                {icon}
                <Body1 style={{ fontWeight: status === 'current' ? tokens.fontWeightSemibold : undefined }}>
                  {at + 1}. {MIGRATION_STEP_TITLES[step]}
                </Body1>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
