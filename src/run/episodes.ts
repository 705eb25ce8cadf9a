// Stall episodes: a stall that ends is an episode, and what ended it is told from what the engine wrote
// meanwhile; and the /status of child executions that wrote no terminal event (the legacy engine before
// 2.8.5 writes none for a finished child: its /status says completed, completion_inferred).
import type { Mode, ModeView, StallFacts } from '../model.js';
import type { RunStore } from './store.js';
import { CHILD_QUIET_MS, type StatusRead } from './poll-plan.js';
import type { StallDetector } from './stall.js';

/** A mode's child executions with no terminal event whose /status has not said they ended either. */
export const childrenNotEnded = (v: Pick<ModeView, 'openExecutions' | 'executionId' | 'endedByStatus'>): string[] =>
  v.openExecutions.filter((id) => id !== v.executionId && !v.endedByStatus.includes(id));

/** Progress came back: the episode ends, with what ended it and the cause the diagnosis named meanwhile. */
export function endEpisode(
  store: RunStore,
  mode: Mode,
  now: number,
  childTimeouts: Map<Mode, number>,
  otherwise = 'a step completing',
): void {
  const f = store.modeFacts(mode);
  const episode = f.stalls.at(-1)!;
  // The cause named while it lasted was noted each poll (RunStore.noteStallCause).
  const cause = episode.cause;
  const hit = store.hits.of(mode)['child-timeout'];
  const endedBy =
    hit && hit.count > (childTimeouts.get(mode) ?? 0)
      ? `the playbook tool's timeout (${hit.latest ?? hit.example})`
      : (f.stats?.storedRows ?? 0) > episode.storedRows
        ? `rows stored again (${episode.storedRows} → ${f.stats?.storedRows})`
        : otherwise;
  store.endStall(mode, endedBy, cause);
  store.log(
    'loadrun',
    'info',
    `${mode}: the stall ended after ${Math.round((now - episode.since) / 1000)}s: ${endedBy}${cause ? ` (named: ${cause})` : ''}`,
  );
}

/**
 * Child executions with no terminal event, quiet for CHILD_QUIET_MS: their /status. The legacy
 * engine before 2.8.5 writes no playbook.completed for a finished child; its /status says completed with
 * completion_inferred.
 */
export async function readChildStatus(store: RunStore, status: StatusRead, mode: Mode): Promise<void> {
  const quiet = childrenNotEnded(store.modeView(mode)).filter((id) => store.quietFor(mode, id) >= CHILD_QUIET_MS);
  for (const id of quiet.slice(0, 20)) {
    const st = await status(id).catch(() => undefined);
    if (!st) continue;
    // noetl 2.8.3's /status has no inference of its own (server/api/v2.py 755-772): its `end` step in
    // completed_steps is how a finished child shows there (2.8.4 infers the same, 787-788).
    if (st.state === 'running' && endStepDone(st.raw)) store.childStatusRead(mode, id, 'completed', true);
    else store.childStatusRead(mode, id, st.state, st.inferred);
  }
}

const endStepDone = (raw: unknown): boolean => {
  const r = raw as { completed_steps?: unknown; failed?: unknown } | null;
  return Boolean(r && Array.isArray(r.completed_steps) && r.completed_steps.includes('end') && r.failed !== true);
};

/** Child executions of a mode with no terminal event whose /status does not say they ended (read now). */
export async function childrenStillRunning(store: RunStore, status: StatusRead, mode: Mode): Promise<string[]> {
  await readChildStatus(store, status, mode);
  return childrenNotEnded(store.modeView(mode));
}

/**
 * The parent ended while some of its children still run (seen on noetl 2.8.3: its playbook tool returned at
 * once and the parent completed while the windows stored their rows): the diff waits for them, until they
 * end or nothing progresses for a stall. Returns whether to keep polling.
 */
export async function waitForChildren(
  store: RunStore,
  status: StatusRead,
  mode: Mode,
  o: { final: string; stalled: boolean; now: number },
): Promise<boolean> {
  if (o.final === 'cancelled' || mode !== 'chunked_optimal') return false;
  const running = await childrenStillRunning(store, status, mode);
  const early = store.modeFacts(mode).parentEndedEarly;
  if (!running.length || o.stalled) {
    if (early)
      store.log(
        'loadrun',
        running.length ? 'warn' : 'info',
        running.length
          ? `${mode}: ${running.length} child execution(s) still without an end and nothing progresses: the diff is taken now`
          : `${mode}: its children ended ${Math.round((o.now - early.at) / 1000)}s after the parent; ${(store.modeFacts(mode).stats?.storedRows ?? 0) - early.storedRows} rows were stored meanwhile`,
      );
    return false;
  }
  if (!early) {
    store.markParentEndedEarly(mode, running.length);
    store.log(
      'loadrun',
      'warn',
      `${mode}: the parent ended (${o.final}) while ${running.length} child execution(s) still run: waiting for them before the diff`,
    );
  }
  return true;
}

/** What a stall called now records: how long, of which kind, and where the run stood. */
export function stallFacts(
  store: RunStore,
  mode: Mode,
  detector: StallDetector,
  now: number,
  maxItemId: number | null,
): StallFacts {
  const f = store.modeFacts(mode);
  return {
    since: detector.since,
    idleSeconds: Math.round((now - detector.since) / 1000),
    kind: detector.kind(now),
    eventsSinceProgress: detector.eventsSinceProgress,
    maxPersistedItemId: maxItemId,
    storedRows: f.stats?.storedRows ?? 0,
    expectedRows: f.expected,
    iterationsIssued: f.iterationsIssued,
    iterationsDone: f.iterationsDone,
    retriesPerNode: store.retriesPerNode(mode),
    openExecutions: store.openExecutions(mode),
    podMemoryTrend: store.pods.memoryTrend(),
    lastEvents: store
      .modeView(mode)
      .tail.slice(-5)
      .map((e) => `${e.type} ${e.node ?? ''} ${e.status ?? ''}`.trim()),
  };
}
