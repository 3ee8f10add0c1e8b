import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../test-support/test-database.js';
import { readEventsAfter } from './events.js';

describe('reading events in sequence order', () => {
  const { pool: db } = useMigratedDatabase();

  it('orders by the number, not its text, so a batch across 9 → 10 or 99 → 100 loses nothing', async () => {
    await db().query(
      `insert into events (type, data) select 'task.queued', jsonb_build_object('n', n) from generate_series(1, 120) n`,
    );
    const seqs = (await readEventsAfter(db(), 0n, 500)).map((event) => Number(event.seq));
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect((await readEventsAfter(db(), 95n, 10)).map((event) => event.seq)).toEqual([
      '96',
      '97',
      '98',
      '99',
      '100',
      '101',
      '102',
      '103',
      '104',
      '105',
    ]);
  });
});
