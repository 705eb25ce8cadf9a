// The last events of a mode, coloured by kind, optionally filtered by type or step.
import { Box, Text } from 'ink';
import type { EventView } from '../src/model.js';
import { KIND_COLOR } from './format.js';

export function EventTail({ events, filter, lines }: { events: EventView[]; filter: string; lines: number }) {
  const shown = (filter ? events.filter((e) => e.type.includes(filter) || (e.node ?? '').includes(filter)) : events).slice(-lines);
  return (
    <Box flexDirection="column" height={lines + 1} overflowY="hidden">
      <Text dimColor wrap="truncate">
        events{filter ? ` matching "${filter}"` : ''}
      </Text>
      {shown.map((e, i) => (
        // Keyed by position: each frame reuses the same lines (a new key per event would rebuild them).
        <Text key={i} color={KIND_COLOR[e.kind]} wrap="truncate">
          {e.batch !== null ? `[b${e.batch}] ` : ''}
          {e.type} {e.node ?? ''} {e.status ?? ''}
        </Text>
      ))}
    </Box>
  );
}
