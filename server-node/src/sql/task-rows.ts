import type { TaskAttemptDto, TaskDto, TaskState } from '../api/index.js';
import type { Role } from '../api/roles.js';
import { hasRole } from '../api/roles.js';
import { argsRole } from '../tasks/task-kinds.js';
import type { Db } from './db.js';
import {
  CANCEL_REQUESTED_AT,
  CLEAR_CANCEL_REQUEST,
  REQUEST_CANCEL,
  cancelRequested,
} from './cancel-request.js';
import { queueTasksCte } from './queue-tasks.js';

export interface DbTask {
  id: string;
  kind: string;
  args: Record<string, unknown>;
  description: string | null;
  state: TaskState;
  node: string | null;
  attempts: number;
  cancel_requested: boolean;
  cancel_requested_at: Date | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
}

const TASK_COLUMNS = `id::text, kind, args, description, state, node, attempts,
  ${cancelRequested()} as cancel_requested, ${CANCEL_REQUESTED_AT}, queued_at, started_at, finished_at, error`;

/**
 * A task as `reader` may see it: args the reader's role may not read (see TaskKind.argsRole) are
 * left out and the DTO says so. Every task leaving the server goes through here.
 */
export function toTaskDto(row: DbTask, reader: Role): TaskDto {
  const readable = hasRole(reader, argsRole(row.kind));
  return {
    id: row.id,
    kind: row.kind,
    description: row.description,
    args: readable ? row.args : {},
    argsRedacted: !readable,
    state: row.state,
    node: row.node,
    attempts: row.attempts,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    error: row.error,
    cancelRequested: row.cancel_requested,
    cancelRequestedAt: row.cancel_requested_at?.toISOString() ?? null,
  };
}

export async function insertTask(
  db: Db,
  task: { kind: string; args: Record<string, unknown>; description: string | null },
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `with ${queueTasksCte('values ($1, $2, $3)')}
     select id::text from task`,
    [task.kind, JSON.stringify(task.args), task.description],
  );
  return result.rows[0]!.id;
}

export interface TaskFilter {
  state?: TaskState | undefined;
  node?: string | undefined;
  kind?: string | undefined;
  ids?: string[] | undefined;
  limit: number;
}

/** The newest tasks matching `filter`, as `reader` may see them. */
export async function listTasks(db: Db, filter: TaskFilter, reader: Role): Promise<TaskDto[]> {
  const result = await db.query<DbTask>(
    `select ${TASK_COLUMNS} from tasks
     where ($1::text is null or state = $1) and ($2::text is null or node = $2) and ($3::text is null or kind = $3)
       and ($5::bigint[] is null or id = any($5::bigint[]))
     order by tasks.id desc limit $4`,
    [filter.state ?? null, filter.node ?? null, filter.kind ?? null, filter.limit, filter.ids ?? null],
  );
  return result.rows.map((row) => toTaskDto(row, reader));
}

/** A task as `reader` may see it. */
export async function getTask(db: Db, id: string, reader: Role): Promise<TaskDto | null> {
  const result = await db.query<DbTask>(`select ${TASK_COLUMNS} from tasks where id = $1`, [id]);
  const row = result.rows[0];
  return row ? toTaskDto(row, reader) : null;
}

export async function listAttempts(db: Db, taskId: string): Promise<TaskAttemptDto[]> {
  const result = await db.query<{
    attempt: number;
    node: string;
    started_at: Date;
    finished_at: Date | null;
    outcome: TaskAttemptDto['outcome'];
    note: string | null;
  }>(
    `select attempt, node, started_at, finished_at, outcome, note from task_attempts
     where task_id = $1 order by attempt`,
    [taskId],
  );
  return result.rows.map((row) => ({
    attempt: row.attempt,
    node: row.node,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    outcome: row.outcome,
    note: row.note,
  }));
}

export type CancelResult = 'canceled' | 'cancel-requested' | 'not-found' | 'already-finished';

/** A queued task is canceled at once; an executing one is flagged, and its node stops it. */
export async function cancelTask(db: Db, id: string, by: string): Promise<CancelResult> {
  const result = await db.query<{ outcome: CancelResult }>(
    `with target as (select id, state from tasks where id = $1),
     now_canceled as (
       update tasks set state = 'canceled', finished_at = now(), error = 'canceled by ' || $2::text
       where id = $1 and state = 'queued' returning id),
     flagged as (
       update tasks set ${REQUEST_CANCEL}
       where id = $1 and state = 'executing' returning id, node),
     ev as (
       insert into events (type, data)
       select 'task.finished', jsonb_build_object('id', id::text, 'state', 'canceled', 'by', $2::text) from now_canceled
       union all
       select 'task.cancel-requested', jsonb_build_object('id', id::text, 'node', node, 'by', $2::text) from flagged)
     select case when exists (select 1 from now_canceled) then 'canceled'
                 when exists (select 1 from flagged) then 'cancel-requested'
                 when not exists (select 1 from target) then 'not-found'
                 else 'already-finished' end as outcome`,
    [id, by],
  );
  const outcome = result.rows[0]?.outcome ?? 'not-found';
  if (outcome === 'cancel-requested') await db.query(`select pg_notify('flotilla_cancel', $1)`, [id]);
  return outcome;
}

export type RetryResult = 'queued' | 'not-found' | 'not-finished' | 'succeeded';

/** Queues a failed or canceled task again; its next attempt gets a fresh log file. */
export async function retryTask(db: Db, id: string, by: string): Promise<RetryResult> {
  const result = await db.query<{ outcome: RetryResult }>(
    `with target as (select id, state from tasks where id = $1),
     requeued as (
       update tasks set state = 'queued', ${CLEAR_CANCEL_REQUEST}, error = null, started_at = null,
         finished_at = null, checkpoint = null, queued_at = now(), max_attempts = attempts + 3
       where id = $1 and state in ('failed', 'canceled') returning id, kind),
     ev as (insert into events (type, data)
            select 'task.queued', jsonb_build_object('id', id::text, 'kind', kind, 'retryBy', $2::text) from requeued)
     select case when exists (select 1 from requeued) then 'queued'
                 when not exists (select 1 from target) then 'not-found'
                 when (select state from target) = 'succeeded' then 'succeeded'
                 else 'not-finished' end as outcome`,
    [id, by],
  );
  return result.rows[0]?.outcome ?? 'not-found';
}

export async function queueCounts(db: Db): Promise<{ queued: number; executing: number }> {
  const result = await db.query<{ queued: number; executing: number }>(
    `select count(*) filter (where state = 'queued')::int as queued,
            count(*) filter (where state = 'executing')::int as executing
     from tasks where state in ('queued', 'executing')`,
  );
  return result.rows[0] ?? { queued: 0, executing: 0 };
}
