// A sweep on screen: the grid on top and, below it, the running run's own screen (the App, fed by that
// run's store). When the sweep ends: the grid with its recommendation until q.
import { actionFor } from './keymap.js';
import { Box, Text, useInput, useStdin, useStdout } from './ink.js';
import type { SweepStore, SweepSnapshot } from '../src/sweep/state.js';
import { App, type AppActions } from './App.js';
import { MIN_ROWS } from './layout.js';
import { gridHeight, SweepGrid } from './SweepGrid.js';
import { useSnapshot } from './useSnapshot.js';
import { useTerminalSize } from './useTerminalSize.js';

export interface SweepAppProps {
  store: Pick<SweepStore, 'snapshot' | 'subscribe'>;
  actions: AppActions;
}

function FinalLines({ snapshot }: { snapshot: SweepSnapshot }) {
  return (
    <Box flexDirection="column">
      <Text color={snapshot.recommendation?.startsWith('recommended') ? 'green' : 'yellow'} wrap="wrap">
        {snapshot.recommendation ?? ''}
      </Text>
      <Text dimColor>reports in {snapshot.dir} · q exit</Text>
    </Box>
  );
}

export function SweepApp({ store, actions }: SweepAppProps) {
  const snapshot = useSnapshot<SweepSnapshot>(store, 250);
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const { cols, rows } = useTerminalSize(stdout);
  const live = snapshot.current && !snapshot.finished;
  // The run below needs its minimum height; the grid gets what is left (at least two cells).
  const cellRows = Math.min(snapshot.cells.length, Math.max(2, live ? rows - MIN_ROWS - 2 : rows - 4));
  useInput((input, key) => void (actionFor(input, key) === 'quit' && actions.quit()), {
    isActive: Boolean(isRawModeSupported) && !live,
  });
  return (
    <Box flexDirection="column" width={cols}>
      <SweepGrid snapshot={snapshot} cellRows={cellRows} width={cols} />
      {live ? (
        <App
          key={`${snapshot.current!.label}`}
          store={snapshot.current!.store}
          actions={actions}
          reservedRows={gridHeight(cellRows)}
        />
      ) : snapshot.finished ? (
        <FinalLines snapshot={snapshot} />
      ) : (
        <Text dimColor>opening the target…</Text>
      )}
    </Box>
  );
}
