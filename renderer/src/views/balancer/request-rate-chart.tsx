import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  chartMargin,
  gridProps,
  seriesColor,
  timeAxisProps,
  timeTooltipProps,
  valueAxisProps,
} from '../../components/chart-style';

/** Requests per second the balancer sent to each server, over the last minutes. */
export function RequestRateChart({ points }: { points: MetricsPointDto[] }) {
  const withStats = points.filter((point) => point.balancer);
  const names = [...new Set(withStats.flatMap((point) => Object.keys(point.balancer ?? {})))].sort();
  const data = withStats.map((point) => ({
    at: point.at,
    ...Object.fromEntries(names.map((name) => [name, point.balancer?.[name]?.requestRate ?? 0])),
  }));
  return (
    <ResponsiveContainer width="100%" height={200}>
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} />
        <Tooltip {...timeTooltipProps} />
        <Legend />
        {names.map((name, index) => (
          <Line
            key={name}
            type="monotone"
            dataKey={name}
            stroke={seriesColor(index)}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
