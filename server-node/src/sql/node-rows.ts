import type { NodeDto } from '../api/index.js';
import type { Db } from './db.js';

export interface DbNodeStatus {
  name: string;
  url: string;
  version: string;
  task_cap: number;
  draining: boolean;
  started_at: Date;
  last_seen: Date;
  last_seen_age_ms: string;
  rss_bytes: string;
  cpu: number;
  state: NodeDto['state'];
  running_tasks: number;
}

const SELECT_NODES = `
  select s.name, s.url, s.version, s.task_cap, s.draining, s.started_at, s.last_seen, s.last_seen_age_ms,
         s.rss_bytes, s.cpu, s.state,
         (select count(*) from tasks t where t.state = 'executing' and t.node = s.name)::int as running_tasks
  from node_status s`;

export async function listNodes(db: Db): Promise<NodeDto[]> {
  const result = await db.query<DbNodeStatus>(`${SELECT_NODES} order by s.name`);
  return result.rows.map(toNodeDto);
}

export async function getNode(db: Db, name: string): Promise<NodeDto | null> {
  const result = await db.query<DbNodeStatus>(`${SELECT_NODES} where s.name = $1`, [name]);
  const row = result.rows[0];
  return row ? toNodeDto(row) : null;
}

export function toNodeDto(row: DbNodeStatus): NodeDto {
  return {
    name: row.name,
    url: row.url,
    version: row.version,
    state: row.state,
    lastSeen: row.last_seen.toISOString(),
    lastSeenAgeMs: Number(row.last_seen_age_ms),
    taskCap: row.task_cap,
    runningTasks: row.running_tasks,
    startedAt: row.started_at.toISOString(),
    rssBytes: Number(row.rss_bytes),
    cpu: row.cpu,
  };
}

/**
 * Emits a `node.state` event for every node whose state differs from the last one reported.
 * Anyone may call it after a change (drain, join, stop); the leader calls it on every sweep so that
 * time-based changes (offline, dead) are pushed too. Concurrent callers report each change once.
 */
export async function reportNodeStates(db: Db): Promise<void> {
  await db.query(`
    with changed as (
      update nodes n set reported_state = s.state
      from node_status s
      where s.name = n.name and n.reported_state <> s.state
      returning n.name, s.state, s.draining, s.task_cap
    )
    insert into events (type, data)
    select 'node.state', jsonb_build_object('name', name, 'state', state) from changed`);
}
