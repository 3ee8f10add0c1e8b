import {
  Badge,
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Spinner,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkCircleRegular, DismissCircleRegular, ArrowForwardRegular } from '@fluentui/react-icons';
import type { HostActionDto } from '@flotilla/electron/common/contract';
import { formatClock } from '../../components/format';
import { SectionCard } from '../../components/section-card';
import { actionSteps, type ActionStep } from './action-steps';
import { SchemaStrip } from './schema-plan';

const STATE_COLOR = { running: 'informative', done: 'success', failed: 'danger' } as const;

/**
 * One node action as it streams: every step with its outcome, the upload's progress bar, the
 * preflight's PASS / FAIL list, and on failure the step, the reason and the fix.
 */
export function ActionPanel({
  action,
  onRunAgain,
  runAgainDenied,
}: {
  action: HostActionDto;
  /** Provisioning resumes where it stopped: offered once it failed. */
  onRunAgain: (() => void) | null;
  runAgainDenied: string | null;
}) {
  const steps = actionSteps(action);
  const severalNodes = new Set(steps.map((step) => step.node)).size > 1;
  return (
    <SectionCard
      title={action.title}
      action={
        <Badge
          appearance="filled"
          color={STATE_COLOR[action.state]}
          data-testid="action-state"
          data-state={action.state}
        >
          {action.state}
        </Badge>
      }
    >
      <Caption1>
        Started {formatClock(action.startedAt)}
        {action.finishedAt ? `, ended ${formatClock(action.finishedAt)}` : ''}
      </Caption1>
      {action.kind === 'rollingUpgrade' && action.state === 'running' && <SchemaStrip />}
      <ol
        aria-label={`Steps of ${action.title}`}
        style={{ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 6 }}
      >
        {steps.map((step, at) => (
          <StepLine key={`${step.node}-${step.step}-${at}`} step={step} showNode={severalNodes} />
        ))}
      </ol>
      {action.failure && (
        <MessageBar intent="error" data-testid="action-failure" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Failed at &quot;{action.failure.step}&quot;</MessageBarTitle>
            <Body1 block>{action.failure.reason}</Body1>
            <Body1 block>
              <strong>Fix:</strong> {action.failure.fix}
            </Body1>
          </MessageBarBody>
          {onRunAgain && (
            <Button
              onClick={onRunAgain}
              disabled={runAgainDenied !== null}
              title={runAgainDenied ?? 'Finished steps are skipped'}
            >
              Run again
            </Button>
          )}
        </MessageBar>
      )}
    </SectionCard>
  );
}

function StepLine({ step, showNode }: { step: ActionStep; showNode: boolean }) {
  const icon = {
    started: <Spinner size="extra-tiny" aria-label="running" />,
    done: <CheckmarkCircleRegular color={tokens.colorPaletteGreenForeground1} aria-label="done" />,
    skipped: <ArrowForwardRegular color={tokens.colorNeutralForeground3} aria-label="skipped" />,
    failed: <DismissCircleRegular color={tokens.colorPaletteRedForeground1} aria-label="failed" />,
  }[step.status];
  return (
    <li data-testid="action-step" data-step={step.step} data-node={step.node} data-status={step.status}>
      <div style={{ display: 'flex', gap: 8, alignItems: 'baseline' }}>
        <span style={{ width: 16, flexShrink: 0 }}>{icon}</span>
        <Body1 style={{ minWidth: 90, fontWeight: tokens.fontWeightSemibold }}>
          {showNode ? `${step.node} · ` : ''}
          {step.step}
        </Body1>
        <Caption1 style={{ color: tokens.colorNeutralForeground2 }}>
          {step.status === 'skipped'
            ? `skipped: ${step.detail}`
            : step.status === 'started' && step.percent !== null
              ? `${step.percent}% uploaded`
              : step.detail}
        </Caption1>
      </div>
      {step.percent !== null && (
        <ProgressBar
          value={step.percent / 100}
          thickness="large"
          aria-label={`Upload ${step.percent}%`}
          data-testid="upload-progress"
          data-percent={step.percent}
          style={{ margin: '4px 0 0 24px', maxWidth: 420 }}
        />
      )}
      {step.checks.length > 0 && (
        <ul style={{ margin: '2px 0 0 24px', padding: 0, listStyle: 'none' }}>
          {step.checks.map((line, at) => {
            const pass = line.startsWith('PASS');
            const warn = line.startsWith('WARN');
            return (
              <li key={at} data-testid="check-line" data-pass={pass}>
                <Caption1
                  style={{
                    color: pass
                      ? tokens.colorPaletteGreenForeground1
                      : warn
                        ? tokens.colorPaletteDarkOrangeForeground1
                        : tokens.colorPaletteRedForeground1,
                  }}
                >
                  {line}
                </Caption1>
              </li>
            );
          })}
        </ul>
      )}
    </li>
  );
}
