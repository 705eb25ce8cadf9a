// One ordinary run of a sweep: the orchestrator on the shared target, its own report folder written on
// every exit path, and its rows deleted afterwards when --cleanup asks.
import { EXIT } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RunConfig } from '../config.js';
import type { RunOutcome } from '../model.js';
import { ReportWriter } from '../render/reports.js';
import { Orchestrator, type SharedTarget } from '../run/orchestrator.js';
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
  const orch = new Orchestrator(config, life, shared);
  const reports = new ReportWriter(config.reportDir);
  reports.attach(orch.store);
  orch.store.recordRunHeader('noetl-loadrun');
  hooks.started(orch.store, () => orch.requestStop('interrupted'));
  let outcome: RunOutcome = { exitCode: EXIT.INTERRUPTED, reason: 'interrupted before the end of the run' };
  try {
    outcome = await orch.run();
  } finally {
    orch.store.recordOutcome(outcome);
    reports.write(orch.store.snapshot(), outcome, orch.observerStats());
    await reports.close();
  }
  if (cleanup) await orch.cleanup(hooks.say);
  return { outcome, store: orch.store };
}
