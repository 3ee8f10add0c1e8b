import * as m001 from './001-initial.js';
import * as m002 from './002-deployments.js';
import * as m003 from './003-login-throttle.js';
import * as m004 from './004-maintenance.js';

// Numbered migrations, applied in order; the index is the schema version.
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: '001-initial', sql: m001.sql },
  { version: 2, name: '002-deployments', sql: m002.sql },
  { version: 3, name: '003-login-throttle', sql: m003.sql },
  { version: 4, name: '004-maintenance', sql: m004.sql },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
