// Shown instead of a broken frame when the terminal is below the minimum size.
import { Box, Text } from './ink.js';
import { MIN_COLS, MIN_ROWS } from './layout.js';

export function TooSmall({ cols, rows }: { cols: number; rows: number }) {
  return (
    <Box flexDirection="column" width={Math.max(20, cols)}>
      <Text color="yellow" wrap="wrap">
        Terminal too small: need at least {MIN_COLS}×{MIN_ROWS}, have {cols}×{rows}.
      </Text>
      <Text wrap="wrap">Enlarge the window, or run with --no-tui. q quits.</Text>
    </Box>
  );
}
