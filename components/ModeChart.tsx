// A mode's rows/s over the chart window, sized to its column (asciichart draws one column per point).
import asciichart from 'asciichart';
import { Box, Text } from 'ink';

export function chartLines(values: number[], points: number, height: number): string[] {
  const series = values.slice(-points);
  if (series.length < 2) return Array.from({ length: height + 1 }, (_, i) => (i === 0 ? '  waiting for rows…' : ''));
  const padded = series.length < points ? [...Array(points - series.length).fill(series[0]), ...series] : series;
  return asciichart.plot(padded, { height, format: (x: number) => x.toFixed(1).padStart(6) }).split('\n');
}

export function ModeChart({ values, points, height }: { values: number[]; points: number; height: number }) {
  return (
    <Box flexDirection="column" height={height + 1} overflow="hidden">
      {chartLines(values, points, height).map((l, i) => (
        <Text key={i} color="cyan" wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
}
