import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../test-support/test-database.js';
import { acquireLeaderLease } from './node-lifecycle.js';

describe('the leader lease', () => {
  const { pool: db } = useMigratedDatabase();

  const lease = async () =>
    (await db().query<{ holder: string; xmax: string }>(`select holder, xmax::text from leader_lease`))
      .rows[0];

  it('is kept by its holder, refused to others without touching the row, and taken once expired', async () => {
    expect(await acquireLeaderLease(db(), 'node-a', 3000)).toBe(true);
    expect(await acquireLeaderLease(db(), 'node-a', 3000)).toBe(true);
    const held = await lease();
    expect(held?.holder).toBe('node-a');

    // Thirty peers asking while the lease is valid: refused, and the row is neither locked nor rewritten
    // (a refused ON CONFLICT DO UPDATE would stamp its xmax), so a large cluster makes no writes here.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => acquireLeaderLease(db(), `node-${i}`, 3000)),
    );
    expect(answers.every((answer) => !answer)).toBe(true);
    expect(await lease()).toEqual(held);

    await db().query(`update leader_lease set expires_at = now() - interval '1 second'`);
    expect(await acquireLeaderLease(db(), 'node-b', 3000)).toBe(true);
    expect((await lease())?.holder).toBe('node-b');
    expect(await acquireLeaderLease(db(), 'node-a', 3000)).toBe(false);
  });
});
