import { tokens } from '@fluentui/react-components';
import { formatClock } from './format';

// What every time-series chart in the console shares, so they read alike and a node keeps its colour
// from one chart to the next.

export const SERIES_COLORS = [
  '#0f6cbd',
  '#107c10',
  '#bc4b09',
  '#8764b8',
  '#038387',
  '#c239b3',
  '#986f0b',
  '#4f6bed',
];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length]!;
}

export const chartMargin = { top: 8, right: 16, left: 0, bottom: 0 };

export const gridProps = { strokeDasharray: '3 3', stroke: tokens.colorNeutralStroke2 };

/** An X axis of sample times (`at`, milliseconds since the epoch). */
export const timeAxisProps = {
  dataKey: 'at',
  tickFormatter: formatClock,
  stroke: tokens.colorNeutralForeground3,
  minTickGap: 48,
};

export const valueAxisProps = { stroke: tokens.colorNeutralForeground3 };

export const timeTooltipProps = {
  labelFormatter: (at: unknown) => formatClock(Number(at)),
  contentStyle: { background: tokens.colorNeutralBackground1, borderColor: tokens.colorNeutralStroke1 },
};
