import type { MigrationFile } from './migration.js';

// A cancel request becomes a time: tasks.cancel_requested (a flag) is renamed cancel_requested_at, so the
// API and the console can say since when a cancel has waited for its node to stop the task.
// The expand half of a rename (server-node/README.md, "Upgrades"): the new column; a trigger that keeps
// flag and time in step whichever one a node writes, so 0.1.x nodes (the flag) and 0.2.0 nodes (the
// time) see each other's cancels; then a batched backfill of the rows flagged before.
// 007-drop-cancel-requested is the contract half.
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.2.0',
  sql: `
alter table tasks add column cancel_requested_at timestamptz;

create function flotilla_sync_cancel_request() returns trigger language plpgsql as $$
begin
  if new.cancel_requested is distinct from old.cancel_requested then
    -- a node that writes the flag
    new.cancel_requested_at := case when new.cancel_requested then coalesce(new.cancel_requested_at, now()) end;
  elsif new.cancel_requested_at is distinct from old.cancel_requested_at then
    -- a node that writes the time
    new.cancel_requested := new.cancel_requested_at is not null;
  end if;
  return new;
end $$;
-- Only statements that name one of the two columns pay for it (claims and completions do not).
create trigger tasks_sync_cancel_request before update of cancel_requested, cancel_requested_at on tasks
  for each row execute function flotilla_sync_cancel_request();
`,
  after: [
    {
      // When a cancel was asked before 0.2.0 is not recorded: a finished task's end is the closest.
      kind: 'backfill',
      table: 'tasks',
      set: 'cancel_requested_at = coalesce(finished_at, now())',
      where: 'cancel_requested and cancel_requested_at is null',
    },
  ],
};
