import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../db/migrate.js';
import { createTestDatabase } from '../test-support/test-database.js';
import { acquireLeaderLease } from './node-lifecycle.js';

describe('the leader lease', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  const lease = async () =>
    (await pool.query<{ holder: string; xmax: string }>(`select holder, xmax::text from leader_lease`))
      .rows[0];

  it('is kept by its holder, refused to others without touching the row, and taken once expired', async () => {
    expect(await acquireLeaderLease(pool, 'node-a', 3000)).toBe(true);
    expect(await acquireLeaderLease(pool, 'node-a', 3000)).toBe(true);
    const held = await lease();
    expect(held?.holder).toBe('node-a');

    // Thirty peers asking while the lease is valid: refused, and the row is neither locked nor rewritten
    // (a refused ON CONFLICT DO UPDATE would stamp its xmax), so a large cluster makes no writes here.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => acquireLeaderLease(pool, `node-${i}`, 3000)),
    );
    expect(answers.every((answer) => !answer)).toBe(true);
    expect(await lease()).toEqual(held);

    await pool.query(`update leader_lease set expires_at = now() - interval '1 second'`);
    expect(await acquireLeaderLease(pool, 'node-b', 3000)).toBe(true);
    expect((await lease())?.holder).toBe('node-b');
    expect(await acquireLeaderLease(pool, 'node-a', 3000)).toBe(false);
  });
});
