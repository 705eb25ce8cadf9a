// Placeholder replaced by the TUI (issue 4).
import type { Lifecycle } from '../src/lifecycle.js';
import type { Orchestrator, RunOutcome } from '../src/run/orchestrator.js';
export async function runTui(orch: Orchestrator, _life: Lifecycle): Promise<RunOutcome> {
  return orch.run();
}
