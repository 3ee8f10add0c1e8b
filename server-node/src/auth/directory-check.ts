import { insertAuditEntry } from '../audit/audit-rows.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../sql/db.js';
import { DirectoryConnection, normalizeDn, roleForGroups } from './directory-client.js';
import type { DirectorySettings } from './directory-settings-rows.js';
import { claimDirectoryCheck, readDirectorySettings } from './directory-settings-rows.js';
import { listDirectoryUsers, refuseDirectoryUser, setDirectoryUserRole } from './directory-user-rows.js';

const ACTOR = 'directory check';

export interface DirectoryCheckResult {
  checked: number;
  /** Users the directory no longer lets in (gone, disabled, in no mapped group): sessions ended, keys stopped. */
  refused: string[];
  /** Users whose role changed with their groups. */
  changed: string[];
}

/**
 * Checks every directory user's shadow row against the directory now: still there, not disabled, and
 * the role their groups give today. Throws when the directory cannot be asked (then nothing changes:
 * an outage of the directory does not lock everyone out of the sessions they have).
 */
export async function checkDirectoryUsers(
  db: Db,
  settings: DirectorySettings,
): Promise<DirectoryCheckResult> {
  const users = await listDirectoryUsers(db);
  const result: DirectoryCheckResult = { checked: users.length, refused: [], changed: [] };
  if (users.length === 0) return result;
  const connection = await DirectoryConnection.open(settings);
  try {
    for (const user of users) {
      const found = await connection.findUser(user.username);
      const same = found !== null && normalizeDn(found.dn) === normalizeDn(user.directory_dn);
      const groups = same && !found.disabled ? await connection.groupsOf(found) : [];
      const role = same && !found.disabled ? roleForGroups(settings, groups) : null;
      if (role === null) {
        if (user.directory_refused) continue;
        await refuseDirectoryUser(db, user.id);
        result.refused.push(user.username);
        const reason = !same
          ? 'not found in the directory'
          : found.disabled
            ? 'disabled'
            : 'in no mapped group';
        await insertAuditEntry(db, {
          actor: ACTOR,
          action: 'directory.user-refused',
          target: user.username,
          details: { reason, dn: user.directory_dn, groups },
        });
      } else if (role !== user.role || user.directory_refused) {
        await setDirectoryUserRole(db, user.id, role);
        result.changed.push(user.username);
        await insertAuditEntry(db, {
          actor: ACTOR,
          action: 'directory.role-changed',
          target: user.username,
          details: { from: user.directory_refused ? 'refused' : user.role, to: role, groups },
        });
      }
    }
  } finally {
    await connection.close();
  }
  return result;
}

/** What every node runs on a timer: the check, by whichever node claims this interval's turn. */
export async function runDirectoryCheckIfDue(
  db: Db,
  secrets: SecretBox,
): Promise<DirectoryCheckResult | null> {
  if (!(await claimDirectoryCheck(db))) return null;
  const settings = await readDirectorySettings(db, secrets);
  return settings ? checkDirectoryUsers(db, settings) : null;
}
