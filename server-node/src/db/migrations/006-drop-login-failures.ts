import type { MigrationFile } from './migration.js';

// login_failures counted failed sign-ins until 003-login-throttle replaced it; no release reads or writes it.
export const migration: MigrationFile = {
  kind: 'contract',
  release: '0.2.0',
  compatibleFrom: '0.1.0',
  sql: `drop table login_failures;`,
};
