// summary.json: the run as one schema-versioned object, built from a snapshot (and written by reports.ts).
import { retriesObservable, type RunOutcome, type Snapshot } from '../model.js';

export const SUMMARY_SCHEMA_VERSION = 1;

const round1 = (n: number) => Math.round(n * 10) / 10;

function modeSummary(m: Snapshot['modes'][number], now: number, target: Snapshot['target']) {
  return {
    mode: m.mode,
    execution_id: m.executionId,
    verdict: m.verdict,
    error: m.error,
    current_step: m.currentStep,
    expected_rows: m.expected,
    stored_rows: m.stats?.storedRows ?? 0,
    ok_rows: m.stats?.okRows ?? 0,
    min_item_id: m.stats?.minItemId ?? null,
    max_item_id: m.stats?.maxItemId ?? null,
    avg_request_bytes: Math.round(m.stats?.avgRequestBytes ?? 0),
    avg_response_bytes: Math.round(m.stats?.avgResponseBytes ?? 0),
    rows_per_batch: m.stats?.perBatch ?? {},
    duration_seconds: m.startedAt ? round1(((m.endedAt ?? now) - m.startedAt) / 1000) : null,
    events: m.eventCount,
    events_by_type: m.eventsByType,
    child_executions: m.children,
    iterations_issued: m.iterationsIssued,
    iterations_done: m.iterationsDone,
    retries: m.retries,
    retries_observable: retriesObservable(m, target),
    retries_unattributed: m.retriesUnattributed,
    retries_per_node: m.retriesPerNode,
    failures: m.failures,
    open_executions: m.openExecutions,
    stall: m.stall,
    stall_episodes: m.stalls,
    parent_ended_early: m.parentEndedEarly ?? null,
    rows_after_end: m.afterEnd ?? null,
    diagnosis: m.diagnosis,
    per_step: m.perNode,
    summarize: m.summarize,
    missing: m.diff
      ? {
          count: m.diff.missingCount,
          ranges: m.diff.missing,
          per_window: m.diff.windows.map((w) => ({
            batch_number: w.batchNumber,
            from: w.from,
            to: w.to,
            missing: w.missing,
            ranges: w.ranges,
          })),
        }
      : null,
  };
}

export function buildSummary(snap: Snapshot, outcome: RunOutcome, extra: Record<string, unknown> = {}) {
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    tool: 'noetl-loadrun',
    started_at: new Date(snap.startedAt).toISOString(),
    ended_at: new Date(snap.now).toISOString(),
    duration_seconds: round1((snap.now - snap.startedAt) / 1000),
    exit_code: outcome.exitCode,
    outcome: outcome.reason,
    target: snap.target,
    parameters: snap.params,
    phases: snap.phases,
    preflight_checks: snap.checks,
    modes: snap.modes.map((m) => modeSummary(m, snap.now, snap.target)),
    cross_mode: snap.cross,
    pods: snap.pods.map((p) => ({
      name: p.name,
      role: p.role,
      cpu_millicores: p.cpuMillicores,
      memory_bytes: p.memoryBytes,
      first_memory_bytes: p.firstMemoryBytes,
      // the highest of the last 120 samples (the ring the screen keeps)
      peak_memory_bytes: Math.max(p.memoryBytes ?? 0, ...p.memoryHistory) || null,
      // over the whole run: what the last sample (often idle at the end) does not say
      ...(p.cpu
        ? {
            cpu_seconds: p.cpu.cpuSeconds,
            cpu_mean_millicores: p.cpu.meanMillicores,
            busy_share: Math.round(p.cpu.busyShare * 100) / 100,
          }
        : {}),
      ...(p.restarts !== undefined ? { restarts: p.restarts, last_reason: p.lastReason ?? null } : {}),
      ...(p.exited ? { exited: p.exited } : {}),
    })),
    ...extra,
  };
}
