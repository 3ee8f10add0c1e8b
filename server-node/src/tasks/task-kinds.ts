import type { Role } from '../api/roles.js';
import { deployTask } from '../deploy/deploy-task.js';
import { retentionTask } from '../retention/retention-task.js';
import type { RecoveryPolicies } from '../sql/recover-lost-tasks.js';
import { healthCheckTask } from '../targets/health-check-task.js';
import { noopTask } from './noop-task.js';
import { scriptTask } from './script-task.js';
import type { TaskKind } from './task-kind.js';

// Every kind the cluster can run. A kind added here is claimable, validated at POST /api/tasks,
// and recovered after node loss by its declared policy.
export const TASK_KINDS: ReadonlyMap<string, TaskKind<never>> = new Map(
  [noopTask, scriptTask, deployTask, healthCheckTask, retentionTask].map((kind) => [
    kind.name,
    kind as TaskKind<never>,
  ]),
);

export function recoveryPolicies(): RecoveryPolicies {
  const kinds = [...TASK_KINDS.values()];
  return {
    resume: kinds.filter((k) => k.onNodeLoss === 'resume').map((k) => k.name),
    requeue: kinds.filter((k) => k.onNodeLoss === 'requeue').map((k) => k.name),
  };
}

/**
 * The least role that may read a task's args: the kind's own rule, and for a kind this node does not
 * know (written by a newer version, or by hand) the strictest a known kind has.
 */
export function argsRole(kind: string): Role {
  return TASK_KINDS.get(kind)?.argsRole ?? 'deployer';
}
