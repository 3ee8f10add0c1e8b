import type { NodeActionStep } from '../../common/node-action-steps.js';
import { ProvisionError, type ProvisionEvent } from './provision-step.js';

export interface StepOutcome<T> {
  value: T;
  detail: string;
  skipped?: boolean;
}

/** Runs one step: started → done/skipped, or failed with a ProvisionError naming the step and the fix. */
export async function runStep<T>(
  onEvent: (event: ProvisionEvent) => void,
  step: NodeActionStep,
  fix: (error: unknown) => string,
  action: () => Promise<StepOutcome<T>>,
): Promise<T> {
  onEvent({ step, status: 'started', detail: '' });
  try {
    const outcome = await action();
    onEvent({ step, status: outcome.skipped ? 'skipped' : 'done', detail: outcome.detail });
    return outcome.value;
  } catch (error) {
    const failure =
      error instanceof ProvisionError
        ? error
        : new ProvisionError(step, (error as Error).message, fix(error), { cause: error });
    onEvent({ step, status: 'failed', detail: `${failure.reason} Fix: ${failure.fix}` });
    throw failure;
  }
}
