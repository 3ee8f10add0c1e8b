import type { StepDto } from '../api/index.js';
import type { DbTarget } from '../targets/target-rows.js';
import { TaskFailure } from '../tasks/task-kind.js';

/** The name step records use for "the node running the deployment" (stable across a handover). */
export const ON_NODE = '(node)';

/** One step on one target: the unit that is checkpointed, so a resume re-runs only what was cut short. */
export interface StepUnit {
  index: number;
  step: StepDto;
  /** Null: the step runs on the node that runs the deployment. */
  target: DbTarget | null;
  targetName: string;
  key: string;
}

function matches(step: StepDto, target: DbTarget): boolean {
  const roles = 'targetRoles' in step ? (step.targetRoles ?? []) : [];
  return roles.length === 0 || roles.some((role) => target.roles.includes(role));
}

export function planUnits(process: StepDto[], targets: DbTarget[], environmentName: string): StepUnit[] {
  return process.flatMap((step, index): StepUnit[] => {
    const onNode = step.type === 'http-check' || (step.type === 'script' && step.runOn === 'node');
    if (onNode) return [{ index, step, target: null, targetName: ON_NODE, key: `${index}:${ON_NODE}` }];
    const chosen = targets.filter((target) => matches(step, target));
    if (chosen.length === 0) {
      const roles =
        'targetRoles' in step && step.targetRoles?.length
          ? ` with role ${step.targetRoles.join(' or ')}`
          : '';
      throw new TaskFailure(
        `step '${step.name}' needs targets${roles}, and environment ${environmentName} has none; add one or change the step`,
      );
    }
    return chosen.map((target) => ({
      index,
      step,
      target,
      targetName: target.name,
      key: `${index}:${target.name}`,
    }));
  });
}
