import type { MigrationFile } from './migration.js';

// Sign-in throttling by client address (issue 15). Expand-only: version-2 nodes keep counting in
// login_failures beside it; 006-drop-login-failures drops that table.
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.1.0',
  sql: `
-- Failed sign-ins per client address: username '' counts every name tried from the address, a named
-- row one user name from it. An attempt is counted (reserved) before its password is hashed, under
-- the row's lock, so parallel guesses cannot overtake the count; a success gives its reservation back.
create table login_throttle (
  address text not null,
  username text not null,
  failures int not null default 0,
  last_at timestamptz not null default now(),
  primary key (address, username)
);
create index login_throttle_last_at on login_throttle (last_at);
`,
};
