// The evidence the diagnosis reads, gathered from the store for one mode: counts per step, retries,
// log lines matching known failures, pod restarts and memory, the stall facts.
import os from 'node:os';
import { BUSY_MILLICORES, type Mode } from '../model.js';
import { diagnose, type Evidence } from '../diagnosis/rules.js';
import { inFlightOf } from '../diagnosis/evidence.js';
import { childrenNotEnded } from './episodes.js';
import { dialectOfLabel, ENGINE_DIALECTS } from '../engine-dialects.js';
import type { RunStore } from './store.js';

/**
 * Whether a real engine's own processes are at a full core on this mode's work in their last sample: every
 * live worker while the mode has commands in flight, or the server once the mode's commands have been
 * taken (a mode none of whose commands was claimed waits for workers, not on CPU: mode-starved). The
 * sandbox's processes are the emulator's: never.
 */
export function engineBusy(store: RunStore, mode: Mode): boolean {
  if (store.target.kind === 'sandbox') return false;
  const perNode = store.modeView(mode).perNode;
  const taken = Object.values(perNode).some((c) => c.claimed + c.started > 0);
  if (!taken) return false;
  const engine = store.pods.withGrowth().filter((p) => (p.role === 'worker' || p.role === 'server') && !p.exited);
  const full = (p: (typeof engine)[number]) => (p.cpuMillicores ?? 0) >= BUSY_MILLICORES;
  const workers = engine.filter((p) => p.role === 'worker');
  // On this machine the workers share its cores with the server, Postgres and this tool: two workers on two
  // cores show 700-750m each when the machine is theirs (the smoke preset here). Their sum counts then.
  const cores = store.target.kind === 'local' ? Math.min(os.cpus().length, workers.length) : Infinity;
  const sum = workers.reduce((n, p) => n + (p.cpuMillicores ?? 0), 0);
  const workersBusy = workers.length > 0 && (workers.every(full) || sum >= 0.7 * 1000 * cores);
  return engine.some((p) => p.role === 'server' && full(p)) || (inFlightOf(perNode) > 0 && workersBusy);
}

export function evidenceOf(store: RunStore, mode: Mode, slow = false): Evidence {
  const v = store.modeView(mode);
  return {
    mode,
    verdict: v.verdict,
    stall: v.stall,
    episodes: v.stalls,
    parentEndedEarly: v.parentEndedEarly ?? null,
    slow,
    storedRows: v.stats?.storedRows ?? 0,
    expected: v.expected,
    rowsPerSecond: v.rowsPerSecond,
    eventsByType: v.eventsByType,
    retriesPerNode: v.retriesPerNode,
    perNode: v.perNode,
    openExecutions: v.openExecutions,
    logHits: store.hits.of(mode),
    pods: store.pods.withGrowth(),
    // The Rust server issues every item of a parallel loop at once (noetl-contract §7.3).
    dispatchAll: ENGINE_DIALECTS[dialectOfLabel(store.target.dialect) ?? 'python'].issuesLoopAtOnce,
    retriesNote: store.target.retriesNote ?? null,
    children: v.children,
    openChildren: childrenNotEnded(v).length,
    childrenEndedByStatus: v.endedByStatus.length,
    release: store.target.release ?? null,
    rowsSinceLastEvent: v.rowsSinceLastEvent,
    logFacts: store.hits.facts,
    profiles: store.pods.profiles,
    targetKind: store.target.kind,
    others: store.modeNames
      .filter((m) => m !== mode)
      .map((m) => ({ mode: m, inFlight: inFlightOf(store.modeView(m).perNode) })),
    ageSeconds: v.startedAt ? Math.round((Date.now() - v.startedAt) / 1000) : undefined,
  };
}

/** Diagnoses a mode now and keeps the result in the store (recorded only when it changed). */
export function diagnoseMode(store: RunStore, mode: Mode, slow = false): void {
  store.setDiagnosis(mode, diagnose(evidenceOf(store, mode, slow)));
}
