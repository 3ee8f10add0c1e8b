import type { Db } from './db.js';

export interface ClaimedTask {
  id: string;
  kind: string;
  args: Record<string, unknown>;
  lease_id: string;
  attempts: number;
  checkpoint: unknown;
  queued_at: Date;
  started_at: Date;
}

/**
 * Claims up to `freeSlots` queued tasks for `node` in one statement (FOR UPDATE SKIP LOCKED).
 *
 * Nothing is claimed while the node is not `running` (draining, offline) or the queue is paused.
 * The node's share follows the load-ratio rule: it may hold at most its cap's fraction of all
 * work in the cluster (executing + queued), rounded up, so an idle cluster spreads tasks across
 * nodes instead of the fastest node taking everything. Queued work is counted only up to the
 * cluster's total cap, which is all the rule needs and keeps the count cheap on a deep queue.
 */
export async function claimTasks(db: Db, node: string, freeSlots: number): Promise<ClaimedTask[]> {
  // Named, so each connection plans it once: planning cost as much as running it (bench:dispatch).
  const result = await db.query<ClaimedTask>({
    name: 'claim-tasks',
    text: `with me as (
       select task_cap, state from node_status where name = $1
     ), capacity as (
       select greatest(coalesce(sum(task_cap), 0), 1) as total from node_status where state = 'running'
     ), executing as (
       select count(*) as total, count(*) filter (where node = $1) as mine from tasks where state = 'executing'
     ), waiting as (
       select count(*) as total from (
         select 1 from tasks where state = 'queued' limit (select total from capacity)) q
     ), quota as (
       select greatest(0, least(
           $2::int,
           me.task_cap - executing.mine,
           ceil((executing.total + waiting.total)::numeric * me.task_cap / capacity.total) - executing.mine
         ))::int as n
       from me, capacity, executing, waiting, cluster
       where me.state = 'running' and not cluster.paused
     ), picked as (
       select id from tasks where state = 'queued' order by id
       limit (select coalesce(max(n), 0) from quota)
       for update skip locked
     ), claimed as (
       update tasks t set state = 'executing', node = $1, lease_id = gen_random_uuid(),
         attempts = t.attempts + 1, started_at = now(), finished_at = null, error = null
       from picked where t.id = picked.id
       returning t.id::text, t.kind, t.args, t.lease_id, t.attempts, t.checkpoint, t.queued_at, t.started_at
     ), attempt_rows as (
       insert into task_attempts (task_id, attempt, node, lease_id, started_at)
       select id::bigint, attempts, $1, lease_id, started_at from claimed
     ), ev as (
       insert into events (type, data)
       select 'task.started', jsonb_build_object('id', id, 'kind', kind, 'node', $1::text, 'attempt', attempts)
       from claimed
     )
     select * from claimed order by id::bigint`,
    values: [node, freeSlots],
  });
  return result.rows;
}
