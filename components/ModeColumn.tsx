// One mode's column: state and step, progress, rows/s chart, counters, STALLED badge, event tail.
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import type { ModeView } from '../src/run/store.js';
import { bar, clip, KIND_COLOR, VERDICT_COLOR } from './format.js';
import type { Layout } from './layout.js';

export interface ModeColumnProps {
  m: ModeView;
  layout: Layout;
  focused: boolean;
  filter: string;
}

export function chartLines(values: number[], points: number, height: number): string[] {
  const series = values.slice(-points);
  if (series.length < 2) return Array.from({ length: height + 1 }, (_, i) => (i === 0 ? '  waiting for rows…' : ''));
  const padded = series.length < points ? [...Array(points - series.length).fill(series[0]), ...series] : series;
  return asciichart.plot(padded, { height, format: (x: number) => x.toFixed(1).padStart(6) }).split('\n');
}

export function ModeColumn({ m, layout, focused, filter }: ModeColumnProps) {
  const inner = layout.colWidth - 4;
  const stored = m.stats?.storedRows ?? 0;
  const pct = m.expected ? Math.floor((100 * stored) / m.expected) : 0;
  const inFlight = Math.max(0, m.iterationsIssued - m.iterationsDone);
  const tail = (filter ? m.tail.filter((e) => e.type.includes(filter) || (e.node ?? '').includes(filter)) : m.tail).slice(-layout.tailLines);
  const stall = m.stall;
  return (
    <Box flexDirection="column" width={layout.colWidth} height={layout.modeHeight} borderStyle="round" borderColor={focused ? 'cyan' : stall ? 'red' : 'gray'} paddingX={1} overflow="hidden">
      <Box justifyContent="space-between">
        <Text bold wrap="truncate">
          {m.mode} <Text dimColor>{m.executionId ?? ''}</Text>
        </Text>
        <Text color={VERDICT_COLOR[m.verdict] ?? 'white'} bold inverse={m.verdict === 'stalled'}>
          {` ${m.verdict.toUpperCase()} `}
        </Text>
      </Box>
      <Text wrap="truncate">
        step <Text color="cyan">{m.currentStep ?? '—'}</Text> · events {m.eventCount}
        {m.children ? ` · chunks ${m.children}` : ''}
      </Text>
      <Text wrap="truncate">
        <Text color={m.verdict === 'completed' ? 'green' : stall ? 'red' : 'cyan'}>{bar(stored, m.expected, inner - 18)}</Text> {String(stored).padStart(4)}/{m.expected} {String(pct).padStart(3)}%
      </Text>
      <Text wrap="truncate">
        {m.rowsPerSecond.toFixed(1)} rows/s · in-flight {inFlight} · retries <Text color={m.retries ? 'yellow' : undefined}>{m.retries}</Text> · failures <Text color={m.failures ? 'red' : undefined}>{m.failures}</Text>
      </Text>
      {layout.chartHeight > 0 && (
        <Box flexDirection="column" height={layout.chartHeight + 1} overflow="hidden">
          {chartLines(m.rateHistory, Math.min(layout.chartPoints, inner - 9), layout.chartHeight).map((l, i) => (
            <Text key={i} color="cyan" wrap="truncate">
              {l}
            </Text>
          ))}
        </Box>
      )}
      <Box flexDirection="column" height={2} overflow="hidden">
        {stall ? (
          <>
            <Text color="red" wrap="truncate">
              <Text inverse bold> STALLED </Text> idle {stall.idleSeconds}s · max item {stall.maxPersistedItemId ?? '—'} · {stall.storedRows}/{stall.expectedRows}
            </Text>
            <Text color="red" wrap="truncate">
              iter {stall.iterationsDone}/{stall.iterationsIssued} done · open {stall.openExecutions.length} · retries {Object.values(stall.retriesPerNode).reduce((a, b) => a + b, 0)} · mem {stall.podMemoryTrend.map((t) => `${t.pod.replace('sandbox-', '')} ${t.deltaMiB >= 0 ? '+' : ''}${t.deltaMiB}`).slice(0, 2).join(' ')}
            </Text>
          </>
        ) : m.error ? (
          <Text color="red" wrap="truncate">{clip(m.error, inner * 2)}</Text>
        ) : (
          <Text dimColor wrap="truncate">
            {m.diff ? `missing ${m.diff.missingCount} of ${m.diff.expected}` : ''}
          </Text>
        )}
      </Box>
      {layout.tailLines > 0 && (
        <Box flexDirection="column" height={layout.tailLines + 1} overflow="hidden">
          <Text dimColor wrap="truncate">
            events{filter ? ` matching "${filter}"` : ''}
          </Text>
          {tail.map((e) => (
            <Text key={e.eventId} color={KIND_COLOR[e.kind]} wrap="truncate">
              {e.batch !== null ? `[b${e.batch}] ` : ''}
              {e.type} {e.node ?? ''} {e.status ?? ''}
            </Text>
          ))}
        </Box>
      )}
    </Box>
  );
}
