// Row counts per mode from the fixture's result table, and rows per chunk window.
import { Box, Text } from './ink.js';
import type { Snapshot } from '../src/model.js';
import { clip } from './format.js';
import type { Layout } from './layout.js';

const WIDTHS = [16, 6, 5, 4, 4, 7, 8];
const format = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? clip(c, WIDTHS[i]).padEnd(WIDTHS[i]) : c.padStart(WIDTHS[i]))).join(' ');
const kib = (bytes: number | undefined) => `${Math.round((bytes ?? 0) / 1024)}K`;

export function RowsPanel({ snapshot, layout, width }: { snapshot: Snapshot; layout: Layout; width: number }) {
  const batched = snapshot.modes.filter((m) => m.stats && Object.keys(m.stats.perBatch).length > 1);
  return (
    <Box
      flexDirection="column"
      width={width}
      height={layout.bottomHeight}
      borderStyle="round"
      borderColor="gray"
      paddingX={1}
      overflowY="hidden"
    >
      <Text bold wrap="truncate">
        {format(['rows', 'stored', 'ok', 'min', 'max', 'avg req', 'avg resp'])}
      </Text>
      {snapshot.modes.map((m) => (
        <Text key={m.mode} wrap="truncate">
          {format([
            m.mode,
            String(m.stats?.storedRows ?? 0),
            String(m.stats?.okRows ?? 0),
            String(m.stats?.minItemId ?? '—'),
            String(m.stats?.maxItemId ?? '—'),
            kib(m.stats?.avgRequestBytes),
            kib(m.stats?.avgResponseBytes),
          ])}
        </Text>
      ))}
      {!layout.compact && batched.length ? (
        <Text dimColor wrap="truncate">
          per batch:{' '}
          {batched
            .map((m) =>
              Object.entries(m.stats!.perBatch)
                .map(([b, n]) => `${b}:${n}`)
                .join(' '),
            )
            .join(' · ')}
        </Text>
      ) : null}
    </Box>
  );
}
