// A mode's rows/s over the chart window, sized to its column (asciichart draws one column per point).
import asciichart from 'asciichart';
import { Box, Text } from './ink.js';
import { memo } from 'react';

export function chartLines(values: number[], points: number, height: number): string[] {
  const series = values.slice(-points);
  if (series.length < 2) return Array.from({ length: height + 1 }, (_, i) => (i === 0 ? '  waiting for rows…' : ''));
  const padded = series.length < points ? [...Array(points - series.length).fill(series[0]), ...series] : series;
  return asciichart.plot(padded, { height, format: (x: number) => x.toFixed(1).padStart(6) }).split('\n');
}

interface ChartProps {
  values: number[];
  points: number;
  height: number;
}

function ChartView({ values, points, height }: ChartProps) {
  return (
    <Box flexDirection="column" height={height + 1} overflowY="hidden">
      {chartLines(values, points, height).map((l, i) => (
        <Text key={i} color="cyan" wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
}

const sameSeries = (a: number[], b: number[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** The chart is computed again only when its series or size changed (a new rows/s sample each poll), not per frame. */
export const ModeChart = memo(
  ChartView,
  (a, b) =>
    a.points === b.points && a.height === b.height && sameSeries(a.values.slice(-a.points), b.values.slice(-b.points)),
);
