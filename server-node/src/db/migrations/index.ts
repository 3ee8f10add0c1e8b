import { compareVersions } from '../../api/schema.js';
import { VERSION } from '../../version.js';
import * as m001 from './001-initial.js';
import * as m002 from './002-deployments.js';
import * as m003 from './003-login-throttle.js';
import * as m004 from './004-maintenance.js';
import * as m005 from './005-cancel-requested-at.js';
import * as m006 from './006-drop-login-failures.js';
import * as m007 from './007-drop-cancel-requested.js';
import * as m008 from './008-directory.js';
import type { Migration } from './migration.js';

// Numbered migrations, applied in order; the number is the schema version. Each file says its kind
// (expand or contract) and the release that first carries it: a build carries the migrations of its
// own version and older (migrationsFor), which is what that release shipped.
export const ALL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001-initial', ...m001.migration },
  { version: 2, name: '002-deployments', ...m002.migration },
  { version: 3, name: '003-login-throttle', ...m003.migration },
  { version: 4, name: '004-maintenance', ...m004.migration },
  { version: 5, name: '005-cancel-requested-at', ...m005.migration },
  { version: 6, name: '006-drop-login-failures', ...m006.migration },
  { version: 7, name: '007-drop-cancel-requested', ...m007.migration },
  { version: 8, name: '008-directory', ...m008.migration },
];

/** The migrations a build of `version` carries. */
export function migrationsFor(version: string): readonly Migration[] {
  return ALL_MIGRATIONS.filter((migration) => compareVersions(migration.release, version) <= 0);
}

/** This build's migrations. */
export const MIGRATIONS = migrationsFor(VERSION);

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Whether this build carries `migration` (a module of this folder). Code that reads or writes what a
 * migration adds asks this, so a build of an older release behaves as that release did.
 */
export function carries(migration: { release: string }): boolean {
  return compareVersions(migration.release, VERSION) <= 0;
}
