// Two lines under a mode's counters: the STALLED badge with its facts, or the mode's error, or its diff.
import { Box, Text } from './ink.js';
import type { ModeView } from '../src/model.js';
import { duration } from '../src/render/lines.js';
import { clip } from './format.js';

export function StallBadge({ mode, width }: { mode: ModeView; width: number }) {
  const stall = mode.stall;
  const retries = stall ? Object.values(stall.retriesPerNode).reduce((a, b) => a + b, 0) : 0;
  const memory = stall?.podMemoryTrend
    .map((t) => `${t.pod.replace('sandbox-', '')} ${t.deltaMiB >= 0 ? '+' : ''}${t.deltaMiB}`)
    .slice(0, 2)
    .join(' ');
  return (
    <Box flexDirection="column" height={2} overflowY="hidden">
      {stall ? (
        <>
          <Text color="red" wrap="truncate">
            <Text inverse bold>
              {' '}
              STALLED{' '}
            </Text>{' '}
            {/* The cause first: at 120 columns the facts after it are what gets cut (issue #39 item 12). */}
            {mode.diagnosis?.causes.length ? `likely ${mode.diagnosis.causes[0].id} · ` : ''}
            {stall.kind} {mode.stallIdleSeconds ?? stall.idleSeconds}s · max item {stall.maxPersistedItemId ?? '—'} ·{' '}
            {stall.storedRows}/{stall.expectedRows}
          </Text>
          <Text color="red" wrap="truncate">
            iter {stall.iterationsDone}/{stall.iterationsIssued} done · open {stall.openExecutions.length} · retries{' '}
            {retries} · mem {memory}
          </Text>
        </>
      ) : mode.error ? (
        <Text color="red" wrap="truncate">
          {clip(mode.error, width * 2)}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          {mode.stalls.length ? `stalled ${mode.stalls.length}× (ended) · ` : ''}
          {mode.diff
            ? `missing ${mode.diff.missingCount} of ${mode.diff.expected}`
            : mode.etaSeconds !== null && mode.verdict === 'running'
              ? `${mode.diagnosis?.state === 'slow' ? 'slow but progressing · ' : ''}ETA ${duration(mode.etaSeconds)}`
              : ''}
          {mode.diagnosis?.causes.length && !mode.diff
            ? ` · watch: ${mode.diagnosis.causes.map((c) => c.id).join(', ')}`
            : ''}
        </Text>
      )}
    </Box>
  );
}
