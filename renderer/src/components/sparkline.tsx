import { tokens } from '@fluentui/react-components';
import { Line, LineChart, YAxis } from 'recharts';

/** A tiny trend line for a table cell; fixed size so a table of them stays cheap to draw. */
export function Sparkline({ values, max, label }: { values: number[]; max?: number; label: string }) {
  const data = values.map((value, index) => ({ index, value }));
  return (
    <span
      role="img"
      aria-label={label}
      title={label}
      style={{ display: 'inline-block', verticalAlign: 'middle' }}
    >
      <LineChart width={72} height={26} data={data} margin={{ top: 3, bottom: 3, left: 0, right: 0 }}>
        {/* A fixed scale for bounded figures (CPU), the data's own range otherwise so small changes show. */}
        <YAxis hide domain={max === undefined ? ['dataMin', 'dataMax'] : [0, max]} />
        <Line
          type="monotone"
          dataKey="value"
          stroke={tokens.colorBrandForeground1}
          strokeWidth={1.5}
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
    </span>
  );
}
