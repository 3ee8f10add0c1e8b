import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  chartMargin,
  gridProps,
  seriesColor,
  timeAxisProps,
  timeTooltipProps,
  valueAxisProps,
} from '../../components/chart-style';

/** Running tasks per node over time, stacked: how the cluster spreads its work. */
export function TaskDistributionChart({ points }: { points: MetricsPointDto[] }) {
  const names = [...new Set(points.flatMap((point) => Object.keys(point.nodes)))].sort();
  const data = points.map((point) => ({
    at: point.at,
    ...Object.fromEntries(names.map((name) => [name, point.nodes[name]?.running ?? 0])),
  }));
  return (
    <ResponsiveContainer width="100%" height={250}>
      <AreaChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} allowDecimals={false} />
        <Tooltip {...timeTooltipProps} />
        <Legend />
        {names.map((name, index) => (
          <Area
            key={name}
            type="stepAfter"
            dataKey={name}
            stackId="nodes"
            stroke={seriesColor(index)}
            fill={seriesColor(index)}
            fillOpacity={0.55}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}
