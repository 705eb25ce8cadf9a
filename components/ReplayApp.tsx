// A recorded run played back on the live screen (the App), with the player's own line and keys:
// space or p pause, , and . seek ∓10 s, [ and ] speed, j jump to the stall, q leave.
import { Box, Text, useInput, useStdin } from 'ink';
import { useEffect, useState } from 'react';
import type { Player } from '../src/run/player.js';
import { App } from './App.js';
import { elapsed } from './format.js';

export function ReplayApp({ player, onQuit }: { player: Player; onQuit: () => void }) {
  const [store, setStore] = useState(() => player.store);
  const [state, setState] = useState(() => player.state());
  const { isRawModeSupported } = useStdin();
  useEffect(
    () =>
      player.onChange(() => {
        setStore(player.store);
        setState(player.state());
      }),
    [player],
  );
  useInput(
    (input) => {
      if (input === ' ') player.togglePause();
      else if (input === ',') player.seek(-10);
      else if (input === '.') player.seek(10);
      else if (input === '[') player.setSpeed(0.5);
      else if (input === ']') player.setSpeed(2);
      else if (input === 'j') {
        const at = player.stallAt();
        if (at !== undefined) player.seek(at - player.state().at);
      }
    },
    { isActive: Boolean(isRawModeSupported) },
  );
  const actions = { quit: onQuit, reconnect() {}, writeSnapshot() {}, togglePause: () => player.togglePause() };
  return (
    <Box flexDirection="column">
      <Text color="magenta" wrap="truncate">
        replay {elapsed(state.at * 1000)}/{elapsed(state.total * 1000)} ×{state.speed}
        {state.paused ? ' · PAUSED' : ''}
        {state.done ? ' · end' : ''} · space pause · , . seek 10s · [ ] speed · j stall · q leave
      </Text>
      <App store={store} actions={actions} reservedRows={1} />
    </Box>
  );
}
