import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../sql/db.js';
import type { Role } from '../api/roles.js';

export const SESSION_TTL_HOURS = 12;

export interface SessionOwner {
  sessionId: string;
  csrfToken: string;
  userId: string;
  username: string;
  role: Role;
}

/** The stored id of a session: an HMAC of the cookie's token under the master key's session subkey. */
export function sessionId(sessionKey: Buffer, token: string): string {
  return createHmac('sha256', sessionKey).update(token).digest('hex');
}

export async function createSession(
  db: Db,
  sessionKey: Buffer,
  userId: string,
): Promise<{ token: string; csrfToken: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.query(
    `insert into sessions (id, user_id, csrf_token, expires_at)
     values ($1, $2, $3, now() + $4 * interval '1 hour')`,
    [sessionId(sessionKey, token), userId, csrfToken, SESSION_TTL_HOURS],
  );
  // Expired sessions are cleaned up as new ones are made; no extra job needed.
  await db.query(`delete from sessions where expires_at < now() - interval '1 day'`);
  return { token, csrfToken };
}

export async function findSession(db: Db, sessionKey: Buffer, token: string): Promise<SessionOwner | null> {
  const result = await db.query<{
    id: string;
    csrf_token: string;
    user_id: string;
    username: string;
    role: Role;
  }>(
    `select s.id, s.csrf_token, u.id::text as user_id, u.username, u.role
     from sessions s join users u on u.id = s.user_id
     where s.id = $1 and s.expires_at > now() and not u.disabled and not u.directory_refused`,
    [sessionId(sessionKey, token)],
  );
  const row = result.rows[0];
  return row
    ? {
        sessionId: row.id,
        csrfToken: row.csrf_token,
        userId: row.user_id,
        username: row.username,
        role: row.role,
      }
    : null;
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.query(`delete from sessions where id = $1`, [id]);
}
