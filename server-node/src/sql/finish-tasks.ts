import { cancelRequested } from './cancel-request.js';
import type { Db } from './db.js';

export interface TaskOutcome {
  id: string;
  leaseId: string;
  state: 'succeeded' | 'failed' | 'canceled';
  error: string | null;
  /** How the attempt ended, when it differs from the task's state ('aborted' on fencing). */
  attemptOutcome?: string;
}

/**
 * Records the end of many attempts in one statement. Each write is conditional on the lease id:
 * a task whose lease was taken over (its node was declared dead) is left alone, and its id is
 * missing from the result so the caller knows it lost the lease.
 */
export async function finishTasks(db: Db, outcomes: TaskOutcome[]): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  // Named, so each connection plans it once (see claim-tasks.ts).
  const result = await db.query<{ id: string }>({
    name: 'finish-tasks',
    text: `with input as (
       select * from unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[])
         as i(id, lease_id, state, error, attempt_outcome)
     ), done as (
       update tasks t set state = i.state, error = i.error, finished_at = now(), lease_id = null
       from input i
       where t.id = i.id and t.lease_id = i.lease_id and t.state = 'executing'
       returning t.id, t.state, t.node, t.attempts, t.kind, i.attempt_outcome
     ), attempt_rows as (
       update task_attempts a set finished_at = now(), outcome = d.attempt_outcome
       from done d where a.task_id = d.id and a.attempt = d.attempts
     ), ev as (
       insert into events (type, data)
       select 'task.finished', jsonb_build_object('id', id::text, 'kind', kind, 'state', state, 'node', node)
       from done
     )
     select id::text from done`,
    values: [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.leaseId),
      outcomes.map((o) => o.state),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.attemptOutcome ?? o.state),
    ],
  });
  return new Set(result.rows.map((row) => row.id));
}

/** Saves a resumable task's progress; false means the lease is gone and the attempt must stop. */
export async function saveCheckpoint(
  db: Db,
  id: string,
  leaseId: string,
  checkpoint: unknown,
): Promise<boolean> {
  const result = await db.query(
    `update tasks set checkpoint = $3 where id = $1 and lease_id = $2 and state = 'executing'`,
    [id, leaseId, JSON.stringify(checkpoint)],
  );
  return result.rowCount === 1;
}

/** Which of this node's running tasks someone asked to cancel. */
export async function cancelRequestedTasks(db: Db, node: string): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `select id::text from tasks where state = 'executing' and node = $1 and ${cancelRequested()}`,
    [node],
  );
  return result.rows.map((row) => row.id);
}
