import { randomInt } from 'node:crypto';
import type pg from 'pg';

/**
 * Whether two connections reach the same database (the admin gave the standalone's own URL as the
 * target, or an alias of it): the switch empties the target before copying, so this must be caught.
 * Advisory locks belong to one database of one server, so the target failing to take a lock the
 * source holds means they are the same; it needs no privileges and sees through host-name aliases.
 */
export async function sameDatabase(
  source: Pick<pg.ClientBase, 'query'>,
  target: Pick<pg.ClientBase, 'query'>,
): Promise<boolean> {
  const key = randomInt(1, 2 ** 47);
  await source.query('select pg_advisory_lock($1)', [key]);
  try {
    const taken = await target.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
    if (taken.rows[0]?.ok) await target.query('select pg_advisory_unlock($1)', [key]);
    return !taken.rows[0]?.ok;
  } finally {
    await source.query('select pg_advisory_unlock($1)', [key]);
  }
}
