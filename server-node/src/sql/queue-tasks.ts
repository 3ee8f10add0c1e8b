/**
 * The two CTEs that queue tasks: `task` inserts the rows `source` selects (kind, args, description)
 * and `task_event` writes each one's `task.queued` event in the same statement. Every statement that
 * queues a task is built on this, so none can forget the event (DESIGN.md "Events").
 *
 * `source` is SQL text with `$n` parameters of the calling statement, never values; `eventData` is
 * a jsonb expression over the inserted row merged into the event (e.g. the deployment's id).
 */
export function queueTasksCte(source: string, eventData = `'{}'::jsonb`): string {
  return `task as (
       insert into tasks (kind, args, description) ${source}
       returning id, kind, args
     ), task_event as (
       insert into events (type, data)
       select 'task.queued', jsonb_build_object('id', id::text, 'kind', kind) || ${eventData} from task
     )`;
}
