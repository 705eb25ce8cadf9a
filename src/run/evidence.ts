// The evidence the diagnosis reads, gathered from the store for one mode: counts per step, retries,
// log lines matching known failures, pod restarts and memory, the stall facts.
import type { Mode } from '../model.js';
import { diagnose, type Evidence } from '../diagnosis/rules.js';
import type { RunStore } from './store.js';

export function evidenceOf(store: RunStore, mode: Mode, slow = false): Evidence {
  const v = store.modeView(mode);
  return {
    mode,
    verdict: v.verdict,
    stall: v.stall,
    slow,
    storedRows: v.stats?.storedRows ?? 0,
    expected: v.expected,
    rowsPerSecond: v.rowsPerSecond,
    eventsByType: v.eventsByType,
    retriesPerNode: v.retriesPerNode,
    perNode: v.perNode,
    openExecutions: v.openExecutions,
    logHits: store.logHits(mode),
    pods: store.pods.withGrowth(),
    // The Rust server issues every item of a parallel loop at once (noetl-contract §7.3).
    dispatchAll: /rust/.test(store.target.dialect),
    retriesNote: store.target.retriesNote ?? null,
    children: v.children,
    openChildren: v.openExecutions.filter((id) => id !== v.executionId).length,
    rowsSinceLastEvent: v.rowsSinceLastEvent,
  };
}

/** Diagnoses a mode now and keeps the result in the store (recorded only when it changed). */
export function diagnoseMode(store: RunStore, mode: Mode, slow = false): void {
  store.setDiagnosis(mode, diagnose(evidenceOf(store, mode, slow)));
}
