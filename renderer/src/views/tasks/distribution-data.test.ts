import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { describe, expect, it } from 'vitest';
import { distributionRows } from './distribution-data';

const point = (at: number, running: Record<string, number>): MetricsPointDto => ({
  at,
  nodes: Object.fromEntries(
    Object.entries(running).map(([name, count]) => [
      name,
      { state: 'running', cpu: 0, rssBytes: 0, running: count, taskCap: 5 },
    ]),
  ),
  queued: 0,
  executing: 0,
  finished: 0,
  failed: 0,
  balancer: null,
});

describe('distributionRows', () => {
  it('keeps every sample while they fit', () => {
    const { names, rows } = distributionRows([point(1, { b: 1 }), point(2, { a: 2, b: 0 })], 10);
    expect(names).toEqual(['a', 'b']);
    expect(rows).toEqual([
      { at: 1, a: 0, b: 1 },
      { at: 2, a: 2, b: 0 },
    ]);
  });

  it("merges samples into buckets ending at the newest, each node's busiest sample kept", () => {
    const points = [1, 2, 3, 4, 5, 6, 7].map((at) => point(at, { a: at === 2 ? 9 : 1 }));
    expect(distributionRows(points, 3).rows).toEqual([
      { at: 1, a: 1 },
      { at: 4, a: 9 },
      { at: 7, a: 1 },
    ]);
  });
});
