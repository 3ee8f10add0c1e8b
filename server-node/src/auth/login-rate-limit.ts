import type { Db } from '../sql/db.js';

// Failed sign-ins per user name within a window, stored in the database so that spreading guesses
// over the nodes behind the balancer gains nothing.
export const LOGIN_WINDOW_MINUTES = 15;
export const LOGIN_MAX_FAILURES = 5;

/** Seconds until the user name may try again, or 0 when it may try now. */
export async function loginRetryAfter(db: Db, username: string): Promise<number> {
  const result = await db.query<{ failures: number; retry_after: number | null }>(
    `select count(*)::int as failures,
       ceil(extract(epoch from (min(at) + $2 * interval '1 minute' - now())))::int as retry_after
     from (select at from login_failures where username = $1 and at > now() - $2 * interval '1 minute'
           order by at desc limit $3) recent`,
    [username, LOGIN_WINDOW_MINUTES, LOGIN_MAX_FAILURES],
  );
  const row = result.rows[0];
  if (!row || row.failures < LOGIN_MAX_FAILURES) return 0;
  return Math.max(1, row.retry_after ?? 1);
}

export async function recordLoginFailure(db: Db, username: string): Promise<void> {
  await db.query(`insert into login_failures (username) values ($1)`, [username]);
  await db.query(`delete from login_failures where at < now() - $1 * interval '1 minute'`, [
    LOGIN_WINDOW_MINUTES,
  ]);
}

export async function clearLoginFailures(db: Db, username: string): Promise<void> {
  await db.query(`delete from login_failures where username = $1`, [username]);
}
