import { tokens } from '@fluentui/react-components';

const WIDTH = 72;
const HEIGHT = 26;
const MARGIN = 3;

/**
 * A tiny trend line for a table cell: one SVG polyline, fixed size. The nodes table draws two per
 * node every second, so it is plain SVG rather than a chart component (32 nodes, 64 lines).
 */
export function Sparkline({ values, max, label }: { values: number[]; max?: number; label: string }) {
  return (
    <span
      role="img"
      aria-label={label}
      title={label}
      style={{ display: 'inline-block', verticalAlign: 'middle' }}
    >
      <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true">
        {values.length > 1 && (
          <polyline
            points={sparklinePoints(values, max)}
            fill="none"
            stroke={tokens.colorBrandForeground1}
            strokeWidth={1.5}
            strokeLinejoin="round"
          />
        )}
      </svg>
    </span>
  );
}

/**
 * The polyline's points: a fixed scale for bounded figures (CPU, `max` given), the data's own range
 * otherwise so small changes show; a flat series sits in the middle.
 */
export function sparklinePoints(values: number[], max?: number): string {
  const low = max === undefined ? Math.min(...values) : 0;
  const high = max === undefined ? Math.max(...values) : max;
  const range = high - low;
  const step = (WIDTH - 1) / Math.max(values.length - 1, 1);
  return values
    .map((value, index) => {
      const share = range > 0 ? (Math.min(Math.max(value, low), high) - low) / range : 0.5;
      const y = MARGIN + (1 - share) * (HEIGHT - 2 * MARGIN);
      return `${(index * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
