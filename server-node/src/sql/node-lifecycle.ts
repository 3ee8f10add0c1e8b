import type { Db } from './db.js';
import { MS } from './db.js';

export interface RegisterResult {
  registered: boolean;
  /** When not registered: another live process already runs under this name. */
  conflict?: { url: string; lastSeenAgeMs: number };
}

/**
 * Adds the node or takes over its row after a restart. Refuses when a live process (one that
 * heartbeated within the offline threshold and did not stop cleanly) already uses the name,
 * so a cloned or doubly-started node cannot share an identity.
 */
export async function registerNode(
  db: Db,
  node: { name: string; url: string; version: string; taskCap?: number },
): Promise<RegisterResult> {
  const result = await db.query<{ registered: boolean; url: string; age: string }>(
    `with existing as (select url, state, last_seen_age_ms from node_status where name = $1),
     upsert as (
       insert into nodes (name, url, version, task_cap, started_at, last_seen, stopped_at)
       values ($1, $2, $3, coalesce($4::int, 5), now(), now(), null)
       on conflict (name) do update set url = excluded.url, version = excluded.version,
         task_cap = coalesce($4::int, nodes.task_cap), started_at = now(), last_seen = now(), stopped_at = null
       where not exists (select 1 from existing where state in ('running', 'draining'))
       returning name
     ),
     joined as (
       insert into events (type, data)
       select 'node.joined', jsonb_build_object('name', name, 'url', $2::text, 'version', $3::text) from upsert
     )
     select exists (select 1 from upsert) as registered,
            (select url from existing) as url, (select last_seen_age_ms from existing)::text as age`,
    [node.name, node.url, node.version, node.taskCap ?? null],
  );
  const row = result.rows[0];
  if (!row || row.registered) {
    await db.query(`select pg_notify('flotilla_nodes', $1)`, [node.name]);
    return { registered: true };
  }
  return { registered: false, conflict: { url: row.url, lastSeenAgeMs: Number(row.age) } };
}

export interface HeartbeatResult {
  taskCap: number;
  draining: boolean;
}

/** One heartbeat: stamps last_seen on the database clock and reads back what the node must obey. */
export async function heartbeat(
  db: Db,
  name: string,
  stats: { rssBytes: number; cpu: number },
): Promise<HeartbeatResult | null> {
  const result = await db.query<{ task_cap: number; draining: boolean }>(
    `update nodes set last_seen = now(), rss_bytes = $2, cpu = $3 where name = $1 and stopped_at is null
     returning task_cap, draining`,
    [name, stats.rssBytes, stats.cpu],
  );
  const row = result.rows[0];
  return row ? { taskCap: row.task_cap, draining: row.draining } : null;
}

export async function markNodeStopped(db: Db, name: string): Promise<void> {
  await db.query(`update nodes set stopped_at = now() where name = $1`, [name]);
  await db.query(`select pg_notify('flotilla_nodes', $1)`, [name]);
}

export async function updateNode(
  db: Db,
  name: string,
  change: { drain?: boolean | undefined; taskCap?: number | undefined },
  by: string,
): Promise<boolean> {
  const result = await db.query(
    `with updated as (
       update nodes set draining = coalesce($2, draining), task_cap = coalesce($3, task_cap)
       where name = $1 returning name, draining, task_cap)
     insert into events (type, data)
     select 'node.updated', jsonb_build_object('name', name, 'draining', draining, 'taskCap', task_cap, 'by', $4::text)
     from updated`,
    [name, change.drain ?? null, change.taskCap ?? null, by],
  );
  if (result.rowCount === 1) await db.query(`select pg_notify('flotilla_nodes', $1)`, [name]);
  return result.rowCount === 1;
}

export type DeleteNodeResult = 'deleted' | 'not-found' | 'alive' | 'has-tasks';

/** Deletes a node that is offline or dead. Its unfinished tasks must have been recovered first. */
export async function deleteNode(db: Db, name: string, by: string): Promise<DeleteNodeResult> {
  const result = await db.query<{ outcome: DeleteNodeResult }>(
    `with target as (select name, state from node_status where name = $1),
     removed as (
       delete from nodes where name = $1 and (select state from target) in ('offline', 'dead')
         and not exists (select 1 from tasks where state = 'executing' and node = $1)
       returning name),
     ev as (insert into events (type, data)
            select 'node.deleted', jsonb_build_object('name', name, 'by', $2::text) from removed)
     select case when exists (select 1 from removed) then 'deleted'
                 when not exists (select 1 from target) then 'not-found'
                 when (select state from target) in ('running', 'draining') then 'alive'
                 else 'has-tasks' end as outcome`,
    [name, by],
  );
  return result.rows[0]?.outcome ?? 'not-found';
}

/** Holds or takes the cluster's leader lease; returns true while this node is the leader. */
export async function acquireLeaderLease(db: Db, holder: string, ttlMs: number): Promise<boolean> {
  // Only the holder, or anyone once the lease has expired, tries the upsert: a refused
  // ON CONFLICT DO UPDATE still locks the row (a transaction and a WAL record each), which every
  // node of a large cluster would otherwise do twice a second.
  const result = await db.query(
    `insert into leader_lease (name, holder, expires_at)
     select 'leader', $1, now() + $2 * ${MS}
     where not exists (select 1 from leader_lease where name = 'leader' and holder <> $1 and expires_at >= now())
     on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
       where leader_lease.holder = excluded.holder or leader_lease.expires_at < now()
     returning holder`,
    [holder, ttlMs],
  );
  return result.rowCount === 1;
}

export async function releaseLeaderLease(db: Db, holder: string): Promise<void> {
  await db.query(`delete from leader_lease where name = 'leader' and holder = $1`, [holder]);
}

export async function currentLeader(db: Db): Promise<string | null> {
  const result = await db.query<{ holder: string }>(
    `select holder from leader_lease where name = 'leader' and expires_at > now()`,
  );
  return result.rows[0]?.holder ?? null;
}
