// Runs the orchestrator under the Ink TUI. One quit path: the first q / Ctrl-C (or SIGINT/SIGTERM) stops
// observing and finalizes; a second one forces. After a run that ended by itself, q exits. The terminal
// is restored by Ink's unmount, then the summary and diff are printed to the normal screen.
import { render } from 'ink';
import { redact } from '../src/redact.js';
import { finalText } from '../src/render/text.js';
import type { Lifecycle } from '../src/lifecycle.js';
import type { Orchestrator, RunOutcome } from '../src/run/orchestrator.js';
import { App } from './App.js';

export interface TuiOptions {
  writeSnapshot: () => string | void;
}

export async function runTui(orch: Orchestrator, life: Lifecycle, o: TuiOptions): Promise<RunOutcome> {
  let outcome: RunOutcome | undefined;
  let stopRequested = false;
  let presses = 0;
  let resolveQuit!: () => void;
  const quit = new Promise<void>((r) => (resolveQuit = r));

  const actions = {
    quit() {
      presses++;
      if (outcome) return resolveQuit(); // the run is over: leave
      if (presses === 1) {
        stopRequested = true;
        orch.requestStop('interrupted');
      } else {
        life.interrupt('second quit'); // forced
      }
    },
    reconnect: () => orch.reconnect(),
    writeSnapshot: () => {
      const where = o.writeSnapshot();
      orch.store.log('loadrun', 'info', `report snapshot written${where ? ` to ${where}` : ''}`);
    },
    togglePause: () => orch.store.togglePause(),
  };
  // Signals take the same path as the first q.
  life.whenInterrupted(() => {
    stopRequested = true;
  });

  const ink = render(<App store={orch.store} actions={actions} />, { exitOnCtrlC: false, maxFps: 10, patchConsole: false });
  life.add('terminal', () => ink.unmount());
  outcome = await orch.run();
  if (!stopRequested) await quit; // keep the final screen (diff view) until the user leaves
  ink.unmount();
  await ink.waitUntilExit().catch(() => {});
  process.stdout.write(redact(finalText(orch.store.snapshot(), outcome)) + '\n');
  return outcome;
}
