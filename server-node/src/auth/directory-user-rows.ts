import type { Role } from '../api/roles.js';
import type { Db } from '../sql/db.js';
import { UNUSABLE_HASH } from './password-hash.js';

export interface DbDirectoryUser {
  id: string;
  username: string;
  role: Role;
  directory_dn: string;
  directory_refused: boolean;
}

/**
 * A directory user's local shadow row, created at their first sign-in and brought up to date at every
 * one: their DN and the role their groups give. Its password hash matches no password, so only the
 * directory signs them in. Null when the name belongs to a local user, or an administrator disabled
 * the row: local users come first.
 */
export async function upsertDirectoryUser(
  db: Db,
  user: { username: string; dn: string; role: Role },
): Promise<{ id: string; username: string; role: Role } | null> {
  const result = await db.query<{ id: string; username: string; role: Role; disabled: boolean }>(
    `insert into users (username, password_hash, role, directory_dn) values ($1, $2, $3, $4)
     on conflict (username) do update
       set role = excluded.role, directory_dn = excluded.directory_dn, directory_refused = false
       where users.directory_dn is not null
     returning id::text, username, role, disabled`,
    [user.username, UNUSABLE_HASH, user.role, user.dn],
  );
  const row = result.rows[0];
  return row && !row.disabled ? row : null;
}

export async function listDirectoryUsers(db: Db): Promise<DbDirectoryUser[]> {
  const result = await db.query<DbDirectoryUser>(
    `select id::text, username, role, directory_dn, directory_refused from users
     where directory_dn is not null and not disabled order by username`,
  );
  return result.rows;
}

/** The directory no longer lets this user in: their sessions end and their API keys stop working. */
export async function refuseDirectoryUser(db: Db, id: string): Promise<void> {
  await db.query(`update users set directory_refused = true where id = $1`, [id]);
  await db.query(`delete from sessions where user_id = $1`, [id]);
}

export async function setDirectoryUserRole(db: Db, id: string, role: Role): Promise<void> {
  await db.query(`update users set role = $2, directory_refused = false where id = $1`, [id, role]);
}
