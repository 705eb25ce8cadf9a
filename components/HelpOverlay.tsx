// The help overlay, generated from the keymap.
import { Box, Text } from './ink.js';
import { keymapOf, type Screen } from './keymap.js';
import type { Layout } from './layout.js';

export function HelpOverlay({ layout, height, screen = 'run' }: { layout: Layout; height: number; screen?: Screen }) {
  return (
    <Box
      flexDirection="column"
      width={layout.cols}
      height={height}
      borderStyle="double"
      borderColor="cyan"
      paddingX={1}
      overflowY="hidden"
    >
      <Text bold color="cyan">
        keys
      </Text>
      {keymapOf(screen).map((b) => (
        <Text key={b.action} wrap="truncate">
          <Text bold>{b.keys.join(' / ').padEnd(12)}</Text> {b.help}
        </Text>
      ))}
    </Box>
  );
}
