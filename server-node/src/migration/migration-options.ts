import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { MIGRATION_ACTOR_ENV, MIGRATION_TARGET_DB_ENV } from '../api/index.js';
import { redactUrl } from '../db/pool.js';
import { UserError } from '../user-error.js';

// The inputs every migrate step shares, checked before anything is touched: a hostile or mistyped
// value is a clear error that changes nothing.

/** The environment variable the target URL may come from, so no command line (or console log) shows it. */
export const TARGET_DB_ENV = MIGRATION_TARGET_DB_ENV;
/** Who ran a step, for the audit log; the console sets it to the signed-in admin. */
export const ACTOR_ENV = MIGRATION_ACTOR_ENV;

/** `cli@host (user)`, or what the console says in FLOTILLA_ACTOR. */
export function migrationActor(): string {
  const given = process.env[ACTOR_ENV]?.trim();
  if (given && /^[\p{L}\p{N} @._()+:-]{1,200}$/u.test(given)) return given;
  return `cli@${hostname()} (${userInfo().username})`;
}

/**
 * The target PostgreSQL URL: --db, else FLOTILLA_TARGET_DB_URL. It must parse as a postgres:// URL
 * (special characters in the password percent-encoded); errors never show the password.
 */
export function targetDbUrl(flag: string | undefined): string {
  const url = flag ?? process.env[TARGET_DB_ENV];
  if (url === undefined || url.trim() === '') {
    throw new UserError(
      `Give the target PostgreSQL: --db URL, or (so no command line shows its password) the environment ` +
        `variable ${TARGET_DB_ENV}.`,
    );
  }
  checkDbUrl(url);
  return url;
}

export function checkDbUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(
      `The target database URL is not a valid URL. Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE, ` +
        `with special characters in the password percent-encoded (@ as %40, # as %23, / as %2F, : as %3A).`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UserError(
      `The target database URL must start with postgres:// (got ${parsed.protocol}//…): ${redactUrl(url)}`,
    );
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new UserError(`The target database URL names no host: ${redactUrl(url)}`);
  }
  if (/[\r\n\0]/.test(decodeURIComponent(parsed.pathname))) {
    throw new UserError('The target database URL holds a line break or NUL in its database name.');
  }
}

/**
 * The shared folder every node will use, exactly as given: absolute (every host resolves it the same
 * way), without `..` (which would hide where it really points), quotes, control characters or line
 * breaks (they break service files, shells and the nonce check).
 */
export function sharedDirOption(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new UserError(
      'Give the shared folder the cluster will use: --shared DIR (the same path on every node).',
    );
  }
  const problem = sharedDirProblem(value);
  if (problem) throw new UserError(`--shared ${JSON.stringify(value)}: ${problem}`);
  return path.normalize(value).replace(/[\\/]+$/, '') || path.sep;
}

function sharedDirProblem(value: string): string | null {
  if (/\p{Cc}/u.test(value)) return 'it holds a control character or a line break; give a plain path.';
  if (/["'`]/.test(value)) return 'it holds a quote; give the path without quotes.';
  if (value.split(/[\\/]/).includes('..'))
    return "it holds '..'; give the real absolute path of the share (every node must use the same one).";
  if (!path.isAbsolute(value))
    return 'it must be an absolute path: every node uses this same path to reach the share.';
  if (path.normalize(value) === path.parse(value).root) return 'the root folder cannot be the share.';
  return null;
}
