import type { MigrationFile } from './migration.js';

// The contract half of 005-cancel-requested-at: 0.2.0 and later use cancel_requested_at only, so once no
// 0.1.x node lives, the flag and the trigger that kept it in step go.
export const migration: MigrationFile = {
  kind: 'contract',
  release: '0.3.0',
  compatibleFrom: '0.2.0',
  sql: `
drop trigger tasks_sync_cancel_request on tasks;
drop function flotilla_sync_cancel_request();
alter table tasks drop column cancel_requested;
`,
};
