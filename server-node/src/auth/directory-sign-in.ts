import type { Role } from '../api/roles.js';
import { insertAuditEntry } from '../audit/audit-rows.js';
import { HttpError } from '../http/http-error.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import {
  DirectoryConnection,
  DirectoryMisconfigured,
  DirectoryUnreachable,
  roleForGroups,
} from './directory-client.js';
import type { DirectorySettings } from './directory-settings-rows.js';
import { readDirectorySettings } from './directory-settings-rows.js';
import { upsertDirectoryUser } from './directory-user-rows.js';

/** Bound as for a user that does not exist, so an unknown name costs the same bind as a wrong password. */
const NO_SUCH_USER_DN = 'cn=flotilla-no-such-user';

export type DirectoryVerdict =
  | { ok: true; dn: string; groups: string[]; role: Role; url: string }
  | { ok: false; reason: 'unknown-user' | 'wrong-password' | 'disabled'; url: string }
  | { ok: false; reason: 'no-mapped-group'; dn: string; groups: string[]; url: string };

/**
 * Checks a user name and password against the directory: the service account finds the user (the
 * name escaped into the filter), a bind as them checks the password, their groups (nested ones too)
 * give the role. Throws DirectoryUnreachable / DirectoryMisconfigured for what is wrong on our side.
 */
export async function verifyDirectoryUser(
  settings: DirectorySettings,
  username: string,
  password: string,
): Promise<DirectoryVerdict> {
  const connection = await DirectoryConnection.open(settings);
  try {
    const url = connection.url;
    const user = await connection.findUser(username);
    const accepted = await connection.checkPassword(user?.dn ?? NO_SUCH_USER_DN, password);
    if (!user) return { ok: false, reason: 'unknown-user', url };
    if (!accepted) return { ok: false, reason: 'wrong-password', url };
    if (user.disabled) return { ok: false, reason: 'disabled', url };
    const groups = await connection.groupsOf(user);
    const role = roleForGroups(settings, groups);
    if (!role) return { ok: false, reason: 'no-mapped-group', dn: user.dn, groups, url };
    return { ok: true, dn: user.dn, groups, role, url };
  } finally {
    await connection.close();
  }
}

/**
 * A sign-in by a name that is no local user's: null when directory sign-in is off; else the shadow
 * user (null for an unknown user or a wrong password, alike) and what the audit entry records. What is
 * wrong on our side, or a user in no mapped group, is an HttpError that says so.
 */
export async function directorySignIn(
  runtime: NodeRuntime,
  username: string,
  password: string,
  audit: Record<string, unknown>,
): Promise<{
  user: { id: string; username: string; role: Role } | null;
  details: Record<string, unknown>;
} | null> {
  const db = runtime.pool;
  const settings = await readDirectorySettings(db, runtime.secrets);
  if (!settings) return null;
  const failed = async (reason: string, extra: Record<string, unknown> = {}) =>
    insertAuditEntry(db, {
      actor: username,
      action: 'auth.login-failed',
      target: username,
      details: { ...audit, source: 'directory', reason, ...extra },
    });
  let verdict: DirectoryVerdict;
  try {
    verdict = await verifyDirectoryUser(settings, username, password);
  } catch (error) {
    if (error instanceof DirectoryUnreachable || error instanceof DirectoryMisconfigured) {
      await failed(error instanceof DirectoryUnreachable ? 'unreachable' : 'misconfigured', {
        error: error.message,
      });
      throw new HttpError(503, error.message);
    }
    throw error;
  }
  if (!verdict.ok && verdict.reason === 'no-mapped-group') {
    await failed(verdict.reason, { dn: verdict.dn, groups: verdict.groups, url: verdict.url });
    throw new HttpError(
      403,
      'Your directory account is in no group that Flotilla maps to a role. Ask an administrator to map one of your groups (viewer, deployer or administrator) in the directory settings.',
    );
  }
  if (!verdict.ok) {
    return { user: null, details: { source: 'directory', reason: verdict.reason, url: verdict.url } };
  }
  const user = await upsertDirectoryUser(db, { username, dn: verdict.dn, role: verdict.role });
  const details = { source: 'directory', dn: verdict.dn, groups: verdict.groups, url: verdict.url };
  return user ? { user, details } : { user: null, details: { ...details, reason: 'disabled in Flotilla' } };
}
