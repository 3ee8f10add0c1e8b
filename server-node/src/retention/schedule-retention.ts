import type { Db } from '../sql/db.js';
import { queueTasksCte } from '../sql/queue-tasks.js';
import { RETENTION } from './retention-settings.js';

// One retention task at a time: skipped here while one is queued or running, and the unique index on
// tasks turns a race between two nodes into a conflict that inserts nothing.
const NO_RETENTION_RUNNING = `where not exists (select 1 from tasks where kind = 'retention' and state in ('queued', 'executing'))
       on conflict do nothing`;

/**
 * Queues the retention task when its slot is due, in one statement: the conditional update of the
 * schedule row claims the slot, so however many nodes (or briefly two leaders) ask, each slot yields
 * at most one task (and a unique index allows one retention task queued or running). A slot that comes while a retention task is still queued or running is skipped.
 */
export async function scheduleRetention(db: Db): Promise<string | null> {
  const result = await db.query<{ id: string }>(
    `with slot as (
       select next_run_at from schedules where name = $1 and next_run_at <= now() for update
     ), claimed as (
       update schedules s set next_run_at = now() + s.every_ms * interval '1 millisecond'
       from slot where s.name = $1 returning slot.next_run_at as due
     ), ${queueTasksCte(`
       select 'retention', jsonb_build_object('scheduledFor', to_char(due at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              'Retention (scheduled)'
       from claimed
       ${NO_RETENTION_RUNNING}`)}
     select id::text from task`,
    [RETENTION],
  );
  return result.rows[0]?.id ?? null;
}

/** Queues a retention run now unless one is queued or running; null when one is. */
export async function queueRetentionNow(db: Db, by: string): Promise<string | null> {
  const result = await db.query<{ id: string }>(
    `with ${queueTasksCte(`
       select 'retention', '{}'::jsonb, 'Retention (run by ' || $1::text || ')'
       ${NO_RETENTION_RUNNING}`)}
     select id::text from task`,
    [by],
  );
  return result.rows[0]?.id ?? null;
}
