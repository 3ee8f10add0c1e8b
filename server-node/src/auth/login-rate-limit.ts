import { isIPv6 } from 'node:net';
import type pg from 'pg';
import type { Db } from '../sql/db.js';

// Sign-in throttling, kept in the database so that spreading guesses over the nodes gains nothing.
// Every attempt is counted by two counters of the client's address: every name tried from it (so a
// flood of made-up names cannot make us run scrypt without end) and the one name tried (so a password
// cannot be guessed). Past its free failures a counter makes that address wait, doubling with each
// failure up to a cap: a slowdown, never a lock, and only for the address that failed. A user name
// alone throttles nothing, so nobody can lock an administrator out from elsewhere.

/** Wrong passwords for one user name from one address before it has to wait. */
export const USER_FREE_FAILURES = 5;
/** Failed sign-ins with any user names from one address before it has to wait. */
export const ADDRESS_FREE_FAILURES = 20;
/** The first wait after the free failures; each further failure doubles it, up to the cap. */
const FIRST_DELAY_SECONDS = 5;
const MAX_DELAY_SECONDS = 15 * 60;

interface Counter {
  username: string;
  free: number;
  /** After this long without an attempt a counter starts again. */
  forgetAfterSeconds: number;
}

/** The address counter first: every attempt locks its rows in one order, so two never deadlock. */
function counters(username: string): Counter[] {
  return [
    { username: '', free: ADDRESS_FREE_FAILURES, forgetAfterSeconds: 3600 },
    { username, free: USER_FREE_FAILURES, forgetAfterSeconds: 24 * 3600 },
  ];
}

// $1 address, $2 user name ('' for the address counter), $3 free failures, $4 first delay and $5 cap
// in seconds, $6 seconds after which the counter is forgotten (RESERVE and WAIT take the same six).
const DELAY = `least($5, $4 * 2 ^ least(t.failures - $3, 20)) * interval '1 second'`;
const FORGOTTEN = `t.last_at < now() - $6 * interval '1 second'`;
/** The counter lets an attempt through now. */
const OPEN = `(${FORGOTTEN} or t.failures < $3 or t.last_at + ${DELAY} <= now())`;

// One statement takes the row's lock, checks and counts: parallel attempts queue on the lock, so no
// more than the free failures get through, on however many nodes.
const RESERVE = `
insert into login_throttle as t (address, username, failures) values ($1, $2, 1)
on conflict (address, username) do update
  set failures = case when ${FORGOTTEN} then 1 else t.failures + 1 end, last_at = now()
  where ${OPEN}`;

// The seconds until the counter is open again; no row when it is open now.
const WAIT = `
select greatest(1, ceil(extract(epoch from t.last_at + ${DELAY} - now())))::int as wait
from login_throttle t where t.address = $1 and t.username = $2 and not ${OPEN}`;

async function waitFor(db: Db, params: unknown[]): Promise<number> {
  return (await db.query<{ wait: number }>(WAIT, params)).rows[0]?.wait ?? 0;
}

/**
 * Counts a sign-in as failed before its password is hashed, under both counters of the address.
 * Returns 0 when it may go ahead, else the seconds to wait (and then nothing was counted).
 */
export async function reserveSignIn(pool: pg.Pool, address: string, username: string): Promise<number> {
  const params = counters(username).map((counter) => [
    address,
    counter.username,
    counter.free,
    FIRST_DELAY_SECONDS,
    MAX_DELAY_SECONDS,
    counter.forgetAfterSeconds,
  ]);
  // A look without locks first: a throttled flood is answered without queueing on the rows' locks.
  for (const counterParams of params) {
    const wait = await waitFor(pool, counterParams);
    if (wait > 0) return wait;
  }
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const counterParams of params) {
      if ((await client.query(RESERVE, counterParams)).rowCount === 0) {
        await client.query('rollback');
        return Math.max(1, await waitFor(client, counterParams));
      }
    }
    await client.query('commit');
    return 0;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A success: the name's failures from the address are forgiven and its reservation given back. */
export async function releaseSignIn(db: Db, address: string, username: string): Promise<void> {
  await db.query(
    `with forgiven as (delete from login_throttle where address = $1 and username = $2)
     update login_throttle set failures = greatest(failures - 1, 0) where address = $1 and username = ''`,
    [address, username],
  );
  // Counters past every forget time are dropped as people sign in; no extra job needed.
  await db.query(`delete from login_throttle where last_at < now() - interval '1 day'`);
}

/**
 * The address a client is counted under: IPv4 as it is, IPv6 by its /64, since one host is routinely
 * given a whole /64 and could otherwise pick a fresh address for every guess.
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros =
    tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const prefix = [...left, ...zeros, ...right].slice(0, 4).map((group) => parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}
