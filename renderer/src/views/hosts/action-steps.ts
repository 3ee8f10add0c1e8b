import type { HostActionDto, HostActionEventDto } from '@flotilla/electron/common/contract';

export interface ActionStep {
  node: string;
  step: string;
  status: 'started' | 'done' | 'skipped' | 'failed';
  /** The step's closing line (what it did, or why it failed). */
  detail: string;
  /** Lines it reported on the way: preflight and doctor checks (PASS / FAIL …). */
  checks: string[];
  /** Upload progress 0–100, null for other steps. */
  percent: number | null;
}

/** Folds an action's stream into one entry per node and step, in the order they started. */
export function actionSteps(action: HostActionDto): ActionStep[] {
  const steps: ActionStep[] = [];
  const find = (event: HostActionEventDto) =>
    steps.findLast((step) => step.node === event.node && step.step === event.step);
  for (const event of action.events) {
    let step = find(event);
    if (!step || (event.status === 'started' && step.status !== 'started')) {
      step = { node: event.node, step: event.step, status: 'started', detail: '', checks: [], percent: null };
      steps.push(step);
    }
    if (event.status === 'progress') {
      if (event.percent !== null) step.percent = event.percent;
      else step.checks.push(event.detail);
    } else if (event.status !== 'started') {
      step.status = event.status;
      step.detail = event.detail;
      if (event.status === 'done' && step.percent !== null) step.percent = 100;
    }
  }
  return steps;
}
