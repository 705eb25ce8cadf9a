// The sweep grid: one row per cell (state, repeats done, median rows/s, stalls, missing, time), the runs
// done and the estimated time left. Long grids show a window around the first unfinished cell.
import { Box, Text } from './ink.js';
import type { SweepSnapshot } from '../src/sweep/state.js';
import { table, tableRows } from '../src/sweep/report.js';
import { elapsed } from './format.js';

const STATE_COLOR: Record<string, string | undefined> = { running: 'cyan', done: undefined, waiting: 'gray' };

/** Rows the grid takes for `cellRows` cells (title line and table head). */
export const gridHeight = (cellRows: number) => cellRows + 2;

export function SweepGrid({ snapshot, cellRows, width }: { snapshot: SweepSnapshot; cellRows: number; width: number }) {
  const s = snapshot;
  const focus = Math.max(
    0,
    s.cells.findIndex((c) => c.state !== 'done'),
  );
  const first = Math.max(0, Math.min(focus - Math.floor(cellRows / 2), s.cells.length - cellRows));
  const shown = s.cells.slice(first, first + cellRows);
  const lines = table(tableRows(s.cells));
  const eta = s.finished
    ? 'done'
    : s.etaSeconds === null
      ? 'ETA after the first run'
      : `ETA ${elapsed(s.etaSeconds * 1000)}`;
  return (
    <Box flexDirection="column" width={width} height={gridHeight(cellRows)}>
      <Text wrap="truncate">
        <Text bold color="cyan">
          sweep
        </Text>{' '}
        · {s.runsDone}/{s.runsTotal} runs · {elapsed(s.elapsedSeconds * 1000)} · {eta}
        {s.current ? <Text> · on screen: {s.current.label}</Text> : null}
        {s.cells.length > cellRows ? (
          <Text dimColor>
            {' '}
            · cells {first + 1}–{first + shown.length} of {s.cells.length}
          </Text>
        ) : null}
      </Text>
      <Text wrap="truncate" bold>
        {lines[0]}
      </Text>
      {shown.map((c, i) => (
        <Text key={c.id} wrap="truncate" color={STATE_COLOR[c.state]} dimColor={c.state === 'waiting'}>
          {lines[first + i + 1]}
        </Text>
      ))}
    </Box>
  );
}
