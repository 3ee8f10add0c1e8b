import type { Db } from '../sql/db.js';

/** The attempt that writes: a row is written only while this node still runs this attempt of the task. */
export interface AttemptFence {
  taskId: string;
  attempt: number;
  node: string;
}

const HOLDS = `exists (select 1 from tasks where id = $1 and state = 'executing' and node = $2 and attempts = $3)`;

/** Records that a step starts on a target; null when the attempt lost the task (its node was declared dead). */
export async function startStepRun(
  db: Db,
  fence: AttemptFence,
  run: { deploymentId: string; stepIndex: number; stepName: string; target: string },
): Promise<string | null> {
  const result = await db.query<{ id: string }>(
    `insert into deployment_steps (deployment_id, step_index, step_name, target, node, attempt)
     select $4, $5, $6, $7, $2, $3 where ${HOLDS} returning id::text`,
    [fence.taskId, fence.node, fence.attempt, run.deploymentId, run.stepIndex, run.stepName, run.target],
  );
  return result.rows[0]?.id ?? null;
}

export async function finishStepRun(
  db: Db,
  fence: AttemptFence,
  id: string,
  outcome: 'succeeded' | 'failed',
): Promise<boolean> {
  const result = await db.query(
    `update deployment_steps set finished_at = now(), outcome = $5 where id = $4 and ${HOLDS}`,
    [fence.taskId, fence.node, fence.attempt, id, outcome],
  );
  return (result.rowCount ?? 0) === 1;
}
