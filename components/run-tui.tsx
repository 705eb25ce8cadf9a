// Runs the orchestrator under the Ink TUI (InkLifecycleRoot-style: this is the TUI's only exit site).
// Quit presses and signals are counted by the lifecycle owner alone: the first asks for a graceful stop
// and a second forces. After a run that ended by itself, q leaves. The terminal is restored by Ink's
// unmount, then the summary and diff are printed to the normal screen.
import { render, type RenderOptions } from './ink.js';
import type { ReactNode } from 'react';
import type { Lifecycle } from '../src/lifecycle.js';
import type { RunOutcome, Snapshot } from '../src/model.js';
import { redact } from '../src/redact.js';
import { finalText } from '../src/render/text.js';
import type { Orchestrator } from '../src/run/orchestrator.js';
import type { Player } from '../src/run/player.js';
import { App } from './App.js';
import { installPatches } from './patches/index.js';
import { INK_OPTIONS } from './ink-options.js';
import { ReplayApp } from './ReplayApp.js';
import { SweepApp } from './SweepApp.js';
import type { SweepRunner } from '../src/sweep/runner.js';

export interface TuiOptions {
  /** Writes the reports now; returns where. */
  writeSnapshot: () => string;
  /** True for an outcome that ends the TUI at once with nothing to show (it failed before launching). */
  quietOnFailure: (outcome: RunOutcome) => boolean;
  /** Keeps the outcome in the records (events.ndjson) as soon as the run has one. */
  recordOutcome: (outcome: RunOutcome) => void;
}

/** Every full screen is drawn with the patches that apply (components/patches/: loadTui() installed them). */
async function mount(node: ReactNode, options: RenderOptions) {
  await installPatches();
  return render(node, options);
}

/**
 * How a screen ends: `left` resolves when the user leaves after the end. An interrupt skips the wait, and
 * one that comes while the final screen waits (SIGHUP when the terminal closes, SIGTERM) leaves it as q
 * does: the tool must not outlive its terminal, holding its sandbox or port-forward.
 */
function exitGate(life: Lifecycle) {
  const gate = { stopRequested: false, leave: () => {}, left: Promise.resolve() };
  gate.left = new Promise<void>((r) => (gate.leave = r));
  life.whenInterrupted(() => {
    gate.stopRequested = true;
    gate.leave();
  });
  return gate;
}

export async function runTui(orch: Orchestrator, life: Lifecycle, o: TuiOptions): Promise<RunOutcome> {
  let outcome: RunOutcome | undefined;
  const gate = exitGate(life);
  const actions = {
    quit: () => (outcome ? gate.leave() : life.interrupt('quit key')),
    reconnect: () => orch.reconnect(),
    writeSnapshot: () => orch.store.log('loadrun', 'info', `report snapshot written to ${o.writeSnapshot()}`),
    togglePause: () => orch.store.togglePause(),
  };
  const ink = await mount(<App store={orch.store} actions={actions} />, {
    ...INK_OPTIONS,
    onRender: ({ renderTime }) => orch.cost.frame(renderTime),
  });
  life.add('terminal', () => ink.unmount());
  const patches = await installPatches();
  orch.cost.notePatches(patches);
  for (const p of patches) if (!p.on) orch.store.log('loadrun', 'warn', `patch ${p.name} off: ${p.why}`);
  outcome = await orch.run();
  o.recordOutcome(outcome);
  const quiet = o.quietOnFailure(outcome);
  if (!gate.stopRequested && !quiet) await gate.left; // keep the final screen (diff view) until the user leaves
  ink.unmount();
  await ink.waitUntilExit().catch(() => {});
  if (!quiet) process.stdout.write(redact(finalText(orch.store.snapshot(), outcome)) + '\n');
  return outcome;
}

/** A recorded run played back on the live screen until q; then the final text as a run prints it. */
export async function runReplayTui(player: Player, outcome: RunOutcome, recorded: Snapshot): Promise<void> {
  let leave!: () => void;
  const left = new Promise<void>((r) => (leave = r));
  const ink = await mount(<ReplayApp player={player} onQuit={() => leave()} />, { ...INK_OPTIONS, exitOnCtrlC: true });
  player.start();
  await left;
  player.stop();
  ink.unmount();
  await ink.waitUntilExit().catch(() => {});
  // Left before the end: what the recorded run ended with, not the verdicts of a run half played back.
  const s = player.state();
  const lead = s.done
    ? ''
    : `replay left at ${s.at.toFixed(1)} s of ${s.total.toFixed(1)} s; the recorded run ended so:\n`;
  process.stdout.write(lead + redact(finalText(s.done ? player.store.snapshot() : recorded, outcome)) + '\n');
}

/** A sweep under the TUI: the grid and the running run's screen; after the end the grid stays until q. */
export async function runSweepTui(runner: SweepRunner, life: Lifecycle): Promise<RunOutcome> {
  let outcome: RunOutcome | undefined;
  const gate = exitGate(life);
  const current = () => runner.store.snapshot().current?.store;
  const actions = {
    quit: () => (outcome ? gate.leave() : life.interrupt('quit key')),
    reconnect: () => current()?.log('loadrun', 'info', 'reconnect is not available during a sweep'),
    writeSnapshot: () => current()?.log('loadrun', 'info', 'each run writes its own report folder when it ends'),
    togglePause: () => current()?.togglePause(),
  };
  const ink = await mount(<SweepApp store={runner.store} actions={actions} />, INK_OPTIONS);
  life.add('terminal', () => ink.unmount());
  outcome = await runner.run();
  // A sweep that could not even open its target has nothing to keep on screen.
  if (!gate.stopRequested && runner.store.snapshot().runsDone > 0) await gate.left;
  ink.unmount();
  await ink.waitUntilExit().catch(() => {});
  return outcome;
}
