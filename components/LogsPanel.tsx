// Server, worker, sandbox and tool log lines, newest last.
import { Box, Text } from './ink.js';
import type { LogLine, Snapshot } from '../src/model.js';
import type { Layout } from './layout.js';

function colorOf(line: LogLine): string | undefined {
  if (line.level === 'error' || /error|fail/i.test(line.text)) return 'red';
  if (line.level === 'warn' || /retry/i.test(line.text)) return 'yellow';
  return undefined;
}

export function LogsPanel({ snapshot, layout }: { snapshot: Snapshot; layout: Layout }) {
  const lines = snapshot.logs.slice(-(layout.logsHeight - 3));
  return (
    <Box
      flexDirection="column"
      width={layout.cols}
      height={layout.logsHeight}
      borderStyle="round"
      borderColor="gray"
      paddingX={1}
      overflowY="hidden"
    >
      <Text bold>logs</Text>
      {snapshot.logsNote && !lines.length ? <Text color="yellow">{snapshot.logsNote}</Text> : null}
      {lines.map((l) => (
        <Text key={l.seq} wrap="truncate" color={colorOf(l)}>
          <Text dimColor>[{l.source}]</Text> {l.text}
        </Text>
      ))}
    </Box>
  );
}
