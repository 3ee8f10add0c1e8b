import { tokens } from '@fluentui/react-components';
import type { MetricsPointDto } from '@flotilla/electron/common/contract';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock } from '../../components/format';

const PALETTE = ['#0f6cbd', '#107c10', '#bc4b09', '#8764b8', '#038387', '#c239b3'];

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
      <LineChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke={tokens.colorNeutralStroke2} />
        <XAxis
          dataKey="at"
          tickFormatter={formatClock}
          stroke={tokens.colorNeutralForeground3}
          minTickGap={48}
        />
        <YAxis stroke={tokens.colorNeutralForeground3} />
        <Tooltip
          labelFormatter={(at) => formatClock(Number(at))}
          contentStyle={{
            background: tokens.colorNeutralBackground1,
            borderColor: tokens.colorNeutralStroke1,
          }}
        />
        <Legend />
        {names.map((name, index) => (
          <Line
            key={name}
            type="monotone"
            dataKey={name}
            stroke={PALETTE[index % PALETTE.length]}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
