import type { MigrationFile } from './migration.js';

// Directory sign-in (issue 14). Expand-only: version-7 nodes ignore the new table and columns (a
// directory user's shadow row has an unusable password hash, so an older node signs nobody in with it).
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.1.0',
  sql: `
-- One row: the cluster's directory settings, the same for every node. The bind password is sealed with
-- the master key (SecretBox, context 'directory-bind'); settings holds the rest as the API's DTO.
create table directory_settings (
  id boolean primary key default true check (id),
  settings jsonb not null,
  bind_password text,
  updated_at timestamptz not null default now(),
  updated_by text not null,
  -- The last re-check of directory users: one node per interval claims it.
  checked_at timestamptz
);

-- A directory user's local shadow row (for sessions, API keys and the audit trail): its DN, and whether
-- the last re-check found it gone, disabled or in no mapped group (then its sessions and keys stop).
alter table users
  add column directory_dn text,
  add column directory_refused boolean not null default false;
`,
};
