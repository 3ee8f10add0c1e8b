import type { MetricsPointDto } from '@flotilla/electron/common/contract';

/** At most this many points in the chart: 32 stacked nodes over 600 samples are 19,200 points to draw each second. */
export const DISTRIBUTION_MAX_POINTS = 120;

export interface DistributionRow {
  at: number;
  [node: string]: number;
}

/**
 * The chart's rows: running tasks per node, the samples merged into at most `maxPoints` buckets of
 * consecutive samples, each node's busiest sample in the bucket kept (a short burst still shows),
 * stamped with the bucket's last time.
 */
export function distributionRows(
  points: MetricsPointDto[],
  maxPoints = DISTRIBUTION_MAX_POINTS,
): { names: string[]; rows: DistributionRow[] } {
  const names = [...new Set(points.flatMap((point) => Object.keys(point.nodes)))].sort();
  const size = Math.max(1, Math.ceil(points.length / maxPoints));
  const rows: DistributionRow[] = [];
  // Buckets end at the newest sample, so the latest second is always its own bucket's end.
  for (let end = points.length; end > 0; end -= size) {
    const bucket = points.slice(Math.max(0, end - size), end);
    const row: DistributionRow = { at: bucket.at(-1)!.at };
    for (const name of names) row[name] = Math.max(...bucket.map((point) => point.nodes[name]?.running ?? 0));
    rows.push(row);
  }
  return { names, rows: rows.reverse() };
}
