import { tokens } from '@fluentui/react-components';
import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock } from '../../components/format';

const PALETTE = ['#0f6cbd', '#107c10', '#bc4b09', '#8764b8', '#038387', '#c239b3', '#986f0b', '#4f6bed'];

/** Running tasks per node over time, stacked: how the cluster spreads its work. */
export function TaskDistributionChart({ points }: { points: MetricsPointDto[] }) {
  const names = [...new Set(points.flatMap((point) => Object.keys(point.nodes)))].sort();
  const data = points.map((point) => ({
    at: point.at,
    ...Object.fromEntries(names.map((name) => [name, point.nodes[name]?.running ?? 0])),
  }));
  return (
    <ResponsiveContainer width="100%" height={250}>
      <AreaChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke={tokens.colorNeutralStroke2} />
        <XAxis
          dataKey="at"
          tickFormatter={formatClock}
          stroke={tokens.colorNeutralForeground3}
          minTickGap={48}
        />
        <YAxis allowDecimals={false} stroke={tokens.colorNeutralForeground3} />
        <Tooltip
          labelFormatter={(at) => formatClock(Number(at))}
          contentStyle={{
            background: tokens.colorNeutralBackground1,
            borderColor: tokens.colorNeutralStroke1,
          }}
        />
        <Legend />
        {names.map((name, index) => (
          <Area
            key={name}
            type="stepAfter"
            dataKey={name}
            stackId="nodes"
            stroke={PALETTE[index % PALETTE.length]}
            fill={PALETTE[index % PALETTE.length]}
            fillOpacity={0.55}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}
