import { cancelRequested } from './cancel-request.js';
import type { Db } from './db.js';

export interface RecoveryPolicies {
  /** Kinds that continue from their checkpoint on another node. */
  resume: string[];
  /** Kinds that are safe to run again from the start. */
  requeue: string[];
}

export interface RecoveredTask {
  id: string;
  kind: string;
  state: 'queued' | 'failed' | 'canceled';
  from_node: string;
}

/**
 * The dead-node sweep. Every task still `executing` on a node that is dead, stopped, deleted, or
 * (with `onlyNode`) on a node that has just restarted, is handled by its kind's policy:
 * resume and requeue kinds go back to the queue (resume keeps its checkpoint) until they have
 * used their attempts; anything else fails with the reason. Cancel requests win over both.
 * Taking the lease away (lease_id = null) is what stops the old owner from writing again.
 */
export async function recoverLostTasks(
  db: Db,
  policies: RecoveryPolicies,
  by: string,
  onlyNode: string | null = null,
): Promise<RecoveredTask[]> {
  const result = await db.query<RecoveredTask>(
    `with lost as (
       select t.id, t.node, t.attempts from tasks t
       left join node_status n on n.name = t.node
       where t.state = 'executing'
         and (case when $4::text is null
                   then n.name is null or n.stopped_at is not null or n.state = 'dead'
                   else t.node = $4 end)
       for update of t skip locked
     ), decided as (
       select l.id, l.node, l.attempts,
         case when ${cancelRequested('t')} then 'canceled'
              when (t.kind = any($1::text[]) or t.kind = any($2::text[])) and t.attempts < t.max_attempts then 'queued'
              else 'failed' end as next_state
       from lost l join tasks t on t.id = l.id
     ), updated as (
       update tasks t set state = d.next_state, lease_id = null,
         checkpoint = case when t.kind = any($1::text[]) then t.checkpoint else null end,
         finished_at = case when d.next_state = 'queued' then null else now() end,
         error = case d.next_state
           when 'failed' then case when t.kind = any($1::text[]) or t.kind = any($2::text[])
             then format('node %s was lost while running attempt %s; no attempts left', d.node, d.attempts)
             else format('node %s was lost while running this task; it is not safe to run twice, retry it if you want it run again', d.node) end
           when 'canceled' then 'canceled (node ' || d.node || ' was lost)'
           else null end
       from decided d where t.id = d.id
       returning t.id::text, t.kind, t.state, d.node as from_node, t.attempts
     ), attempt_rows as (
       update task_attempts a set finished_at = now(), outcome = 'lost',
         note = format('node %s was lost; %s by %s', u.from_node,
           case u.state when 'queued' then 'requeued' else u.state end, $3::text)
       from updated u where a.task_id = u.id::bigint and a.attempt = u.attempts and a.finished_at is null
     ), ev as (
       insert into events (type, data)
       select 'task.recovered', jsonb_build_object('id', id, 'kind', kind, 'state', state, 'fromNode', from_node, 'by', $3::text)
       from updated
     )
     select id, kind, state, from_node from updated`,
    [policies.resume, policies.requeue, by, onlyNode],
  );
  return result.rows;
}
