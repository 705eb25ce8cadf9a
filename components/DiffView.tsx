// The missing-items diff: per mode its verdict, missing ranges, stall facts and windows, then the
// cross-mode comparison; the lines come from src/render/lines.ts, only coloured here.
import { Box, Text } from './ink.js';
import type { Snapshot } from '../src/model.js';
import {
  BUDGET,
  crossLines,
  diagnosisLines,
  type Line,
  modeDiffLines,
  stallLines,
  type Tone,
} from '../src/render/lines.js';
import type { Layout } from './layout.js';

const TONE_COLOR: Record<Tone, string | undefined> = {
  plain: undefined,
  ok: 'green',
  bad: 'red',
  warn: 'yellow',
  dim: 'gray',
};

function diffViewLines(snapshot: Snapshot): Line[] {
  const lines: Line[] = [];
  for (const m of snapshot.modes) {
    const label = m.diff ? `${m.mode} (${m.verdict.toUpperCase()})` : m.mode;
    const [main, ...windows] = modeDiffLines(
      label,
      m.diff,
      BUDGET.screen,
      snapshot.finished ? 'not measured' : 'computed when the run ends',
    );
    lines.push(main);
    if (m.stall) lines.push(...stallLines(m.mode, m.stall).slice(1));
    lines.push(...diagnosisLines(m.mode, m.diagnosis, false).map((l) => ({ ...l, depth: l.depth + 1 })));
    lines.push(...windows);
  }
  lines.push(...crossLines(snapshot.cross, BUDGET.screen));
  if (snapshot.reportDir) lines.push({ text: `report: ${snapshot.reportDir}`, tone: 'dim', depth: 0 });
  return lines;
}

export function DiffView({ snapshot, layout, height }: { snapshot: Snapshot; layout: Layout; height: number }) {
  return (
    <Box
      flexDirection="column"
      width={layout.cols}
      height={height}
      borderStyle="double"
      borderColor="magenta"
      paddingX={1}
      overflowY="hidden"
    >
      <Text bold color="magenta">
        missing-items diff{snapshot.finished ? ' — final' : ''}
      </Text>
      {diffViewLines(snapshot)
        .slice(0, height - 3)
        .map((l, i) => (
          <Text key={i} color={TONE_COLOR[l.tone]} wrap="truncate">
            {'   '.repeat(l.depth)}
            {l.text}
          </Text>
        ))}
    </Box>
  );
}
