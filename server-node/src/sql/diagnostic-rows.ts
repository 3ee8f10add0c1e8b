import type { Db } from './db.js';

export interface QueueView {
  queued: number;
  executing: number;
  oldestQueuedAgeMs: number | null;
  paused: boolean;
}

/** Queue depth, the age of the oldest queued task (database clock) and whether the queue is paused. */
export async function readQueueView(db: Db): Promise<QueueView> {
  const result = await db.query<{
    queued: number;
    executing: number;
    oldest: string | null;
    paused: boolean;
  }>(
    `select count(*) filter (where t.state = 'queued')::int as queued,
            count(*) filter (where t.state = 'executing')::int as executing,
            (extract(epoch from now() - min(t.queued_at) filter (where t.state = 'queued')) * 1000)::bigint::text as oldest,
            (select paused from cluster where id = 1) as paused
     from tasks t where t.state in ('queued', 'executing')`,
  );
  const row = result.rows[0]!;
  return {
    queued: row.queued,
    executing: row.executing,
    oldestQueuedAgeMs: row.oldest === null ? null : Number(row.oldest),
    paused: row.paused,
  };
}

export interface LeaseView {
  node: string | null;
  /** ms until the lease expires (negative: expired and not taken over). */
  expiresInMs: number | null;
}

/** The leader lease row as it is, expired or not. */
export async function readLeaseView(db: Db): Promise<LeaseView> {
  const result = await db.query<{ holder: string; expires_in: string }>(
    `select holder, (extract(epoch from expires_at - now()) * 1000)::bigint::text as expires_in
     from leader_lease where name = 'leader'`,
  );
  const row = result.rows[0];
  return row ? { node: row.holder, expiresInMs: Number(row.expires_in) } : { node: null, expiresInMs: null };
}

export interface StrandedTask {
  id: string;
  node: string | null;
  /** The node's state, or null when it has no row. */
  nodeState: string | null;
  startedAgoMs: number;
}

/** Tasks executing on a node that is not running or draining (dead, offline, stopped, deleted). */
export async function readStrandedTasks(db: Db, limit = 50): Promise<StrandedTask[]> {
  const result = await db.query<{ id: string; node: string | null; state: string | null; ago: string }>(
    `select t.id::text, t.node, s.state,
            (extract(epoch from now() - coalesce(t.started_at, t.queued_at)) * 1000)::bigint::text as ago
     from tasks t left join node_status s on s.name = t.node
     where t.state = 'executing' and (s.name is null or s.state not in ('running', 'draining'))
     order by t.id limit $1`,
    [limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    node: row.node,
    nodeState: row.state,
    startedAgoMs: Number(row.ago),
  }));
}
