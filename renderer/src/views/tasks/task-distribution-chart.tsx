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
import { distributionRows } from './distribution-data';

/**
 * Running tasks per node over time, stacked: how the cluster spreads its work. At most
 * DISTRIBUTION_MAX_POINTS points per node, so 32 nodes redraw in a few milliseconds each second.
 */
export function TaskDistributionChart({ points }: { points: MetricsPointDto[] }) {
  const { names, rows: data } = distributionRows(points);
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
