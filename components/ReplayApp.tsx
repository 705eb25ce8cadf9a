// A recorded run played back on the live screen (the App), with the player's own line and the replay's
// keys from the keymap (space pause, , and . seek ∓10 s, [ and ] speed, j jump to the stall; q leaves).
import { Box, Text, useInput, useStdin } from './ink.js';
import { useEffect, useState } from 'react';
import type { Player } from '../src/run/player.js';
import { App } from './App.js';
import { elapsed } from './format.js';
import { actionFor, KEYMAP } from './keymap.js';

/** The replay's keys on its own line, from the keymap. */
const REPLAY_LINE = KEYMAP.filter((b) => b.screen === 'replay')
  .map((b) => `${b.keys.join(' ')} ${b.short ?? b.action}`)
  .join(' · ');

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
    (input, key) => {
      const action = actionFor(input, key, 'replay');
      if (action === 'replay-pause') player.togglePause();
      else if (action === 'seek-back') player.seek(-10);
      else if (action === 'seek-forward') player.seek(10);
      else if (action === 'slower') player.setSpeed(0.5);
      else if (action === 'faster') player.setSpeed(2);
      else if (action === 'jump-stall') {
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
        {state.done ? ' · end' : ''} · {REPLAY_LINE} · q leave
      </Text>
      <App store={store} actions={actions} reservedRows={1} screen="replay" />
    </Box>
  );
}
