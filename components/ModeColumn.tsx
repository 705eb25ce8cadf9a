// One mode's column: state and step, progress, counters, the rows/s chart, the stall badge, the event tail.
import { Box, Text } from './ink.js';
import { memo, Profiler, type ProfilerOnRenderCallback } from 'react';
import { inFlightCommands, retriesShown, type ModeView } from '../src/model.js';
import { EventTail } from './EventTail.js';
import { bar, VERDICT_COLOR } from './format.js';
import type { Layout } from './layout.js';
import { ModeChart } from './ModeChart.js';
import { StallBadge } from './StallBadge.js';
import { verdictLabel } from '../src/render/lines.js';

export interface ModeColumnProps {
  mode: ModeView;
  layout: Layout;
  focused: boolean;
  filter: string;
  /** Why the target cannot show retries (Snapshot.target.retriesNote): the count is then n/a. */
  retriesNote: string | null;
  /** Measurement only (tests, bench): called for each render of this column. */
  profile?: ProfilerOnRenderCallback;
}

function Counters({ mode, width, retriesNote }: { mode: ModeView; width: number; retriesNote: string | null }) {
  const stored = mode.stats?.storedRows ?? 0;
  const pct = mode.expected ? Math.floor((100 * stored) / mode.expected) : 0;
  const inFlight = inFlightCommands(mode);
  return (
    <>
      <Text wrap="truncate">
        {mode.waiting ? (
          <Text color="yellow">{mode.waiting}</Text>
        ) : (
          <>
            step <Text color="cyan">{mode.currentStep ?? '—'}</Text> · events {mode.eventCount}
          </>
        )}
        {mode.children ? ` · chunks ${mode.children}` : ''}
      </Text>
      <Text wrap="truncate">
        <Text color={mode.verdict === 'completed' ? 'green' : mode.stall ? 'red' : 'cyan'}>
          {bar(stored, mode.expected, width - 18)}
        </Text>{' '}
        {String(stored).padStart(4)}/{mode.expected} {String(pct).padStart(3)}%
      </Text>
      <Text wrap="truncate">
        {mode.rowsPerSecond.toFixed(1)} rows/s · in-flight {inFlight} · retries{' '}
        <Text color={mode.retries ? 'yellow' : undefined}>{retriesShown(mode, { retriesNote })}</Text> · failures{' '}
        <Text color={mode.failures ? 'red' : undefined}>{mode.failures}</Text>
      </Text>
    </>
  );
}

function ModeColumnView({ mode, layout, focused, filter, retriesNote, profile }: ModeColumnProps) {
  const inner = layout.colWidth - 4;
  const column = (
    <Box
      flexDirection="column"
      width={layout.colWidth}
      height={layout.modeHeight}
      borderStyle="round"
      borderColor={focused ? 'cyan' : mode.stall ? 'red' : 'gray'}
      paddingX={1}
      overflowY="hidden"
    >
      <Box justifyContent="space-between">
        <Text bold wrap="truncate">
          {mode.mode} <Text dimColor>{mode.executionId ?? ''}</Text>
        </Text>
        <Text
          color={VERDICT_COLOR[mode.verdict] ?? 'white'}
          bold
          inverse={mode.verdict === 'stalled' || Boolean(mode.stall)}
        >
          {` ${verdictLabel(mode)} `}
        </Text>
      </Box>
      <Counters mode={mode} width={inner} retriesNote={retriesNote} />
      {layout.chartHeight > 0 && (
        <ModeChart
          values={mode.rateHistory}
          points={Math.min(layout.chartPoints, inner - 9)}
          height={layout.chartHeight}
        />
      )}
      <StallBadge mode={mode} width={inner} />
      {layout.tailLines > 0 && <EventTail events={mode.tail} filter={filter} lines={layout.tailLines} width={inner} />}
    </Box>
  );
  return profile ? (
    <Profiler id={mode.mode} onRender={profile}>
      {column}
    </Profiler>
  ) : (
    column
  );
}

/**
 * A column renders again only when what it shows changed: snapshots are rebuilt every frame, so a mode that
 * did not move (finished, or waiting) compares equal by value and its column is left alone.
 */
function sameColumn(a: ModeColumnProps, b: ModeColumnProps): boolean {
  return (
    a.layout === b.layout &&
    a.focused === b.focused &&
    a.filter === b.filter &&
    a.retriesNote === b.retriesNote &&
    a.profile === b.profile &&
    (a.mode === b.mode || JSON.stringify(a.mode) === JSON.stringify(b.mode))
  );
}

export const ModeColumn = memo(ModeColumnView, sameColumn);
