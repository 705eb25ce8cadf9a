// One ordinary run of a sweep: the orchestrator on the shared target, its own report folder written on
// every exit path as `run` writes it (ReportedRun), and its rows deleted afterwards when --cleanup asks.
import type { Lifecycle } from '../lifecycle.js';
import type { RunConfig } from '../config.js';
import type { RunOutcome } from '../model.js';
import type { SharedTarget } from '../run/orchestrator.js';
import { ReportedRun } from '../run/reported-run.js';
import type { RunStore } from '../run/store.js';

export interface OneRun {
  outcome: RunOutcome;
  store: RunStore;
}

export interface RunHooks {
  /** The run exists (its store can be shown); `stop` ends it gracefully. */
  started(store: RunStore, stop: () => void): void;
  /** --cleanup output. */
  say(line: string): void;
}

export async function runOne(
  config: RunConfig,
  life: Lifecycle,
  shared: SharedTarget,
  hooks: RunHooks,
  cleanup: boolean,
): Promise<OneRun> {
  const run = new ReportedRun(config, life, shared, true);
  hooks.started(run.orch.store, () => run.orch.requestStop('interrupted'));
  try {
    await run.run();
  } finally {
    await run.finish();
  }
  if (cleanup) await run.cleanup(hooks.say);
  return { outcome: run.outcome, store: run.orch.store };
}
