import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  chartMargin,
  gridProps,
  timeAxisProps,
  timeTooltipProps,
  valueAxisProps,
} from '../../components/chart-style';

const BUCKET_MS = 5000;

/** Tasks finished per minute in 5-second buckets, with the queue depth beside it. */
export function ThroughputChart({ points }: { points: MetricsPointDto[] }) {
  const buckets = new Map<number, { at: number; finished: number; failed: number; queued: number }>();
  for (const point of points) {
    const at = Math.floor(point.at / BUCKET_MS) * BUCKET_MS;
    const bucket = buckets.get(at) ?? { at, finished: 0, failed: 0, queued: 0 };
    bucket.finished += point.finished;
    bucket.failed += point.failed;
    bucket.queued = Math.max(bucket.queued, point.queued);
    buckets.set(at, bucket);
  }
  const data = [...buckets.values()].map((bucket) => ({
    at: bucket.at,
    'finished / min': Math.round((bucket.finished * 60_000) / BUCKET_MS),
    'failed / min': Math.round((bucket.failed * 60_000) / BUCKET_MS),
    queued: bucket.queued,
  }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <AreaChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} allowDecimals={false} />
        <Tooltip {...timeTooltipProps} />
        <Legend />
        <Area
          type="monotone"
          dataKey="finished / min"
          stroke="#0f6cbd"
          fill="#0f6cbd"
          fillOpacity={0.25}
          isAnimationActive={false}
        />
        <Area
          type="monotone"
          dataKey="failed / min"
          stroke="#c50f1f"
          fill="#c50f1f"
          fillOpacity={0.2}
          isAnimationActive={false}
        />
        <Area
          type="monotone"
          dataKey="queued"
          stroke="#8764b8"
          fill="none"
          strokeDasharray="4 3"
          isAnimationActive={false}
        />
      </AreaChart>
    </ResponsiveContainer>
  );
}
