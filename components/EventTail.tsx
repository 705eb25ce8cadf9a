// The last events of a mode, coloured by kind, optionally filtered by type or step.
import { Box, Text } from './ink.js';
import { Fragment } from 'react';
import type { EventView } from '../src/model.js';
import { clip, KIND_COLOR } from './format.js';

export function EventTail({
  events,
  filter,
  lines,
  width,
}: {
  events: EventView[];
  filter: string;
  lines: number;
  width: number;
}) {
  const shown = (
    filter ? events.filter((e) => e.type.includes(filter) || (e.node ?? '').includes(filter)) : events
  ).slice(-lines);
  return (
    <Box flexDirection="column" height={lines + 1} overflowY="hidden">
      <Text dimColor wrap="truncate">
        events{filter ? ` matching "${filter}"` : ''}
      </Text>
      {/* One text node for every line (the coloured parts are virtual text): a frame lays out and writes
          one Ink node, not one per event. Lines are fitted here, keyed by position so frames reuse them. */}
      <Text>
        {shown.map((e, i) => (
          <Fragment key={i}>
            {i ? '\n' : ''}
            <Text color={KIND_COLOR[e.kind]}>
              {clip(
                `${e.batch !== null ? `[b${e.batch}] ` : ''}${e.type} ${e.node ?? ''} ${e.status ?? ''}`.trimEnd(),
                width,
              )}
            </Text>
          </Fragment>
        ))}
      </Text>
    </Box>
  );
}
