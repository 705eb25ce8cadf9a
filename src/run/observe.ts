// Observing launched modes: every poll interval, per open mode, the status, new child executions, new
// events and the row counts go into the store; a mode ends on a terminal status, a stall or the timeout.
// Pods are sampled on their own interval beside it.
import { oneLine } from '../errors.js';
import type { Mode, StallFacts } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import type { EventFeed } from '../sources/event-feed.js';
import { selfSample, type PodsSource } from '../sources/pods.js';
import type { RowsSource } from '../sources/rows.js';
import { sleep } from './sleep.js';
import { StallDetector } from './stall.js';
import type { RunStore } from './store.js';

export interface ObserveContext {
  store: RunStore;
  client: NoetlClient;
  rows: RowsSource;
  feed: EventFeed;
  signal: AbortSignal;
  stallSeconds: number;
  pollMs: number;
}

/** Polls `modes` until none is running, the stop signal, or `deadline` (ms epoch). */
export async function observe(ctx: ObserveContext, modes: Mode[], deadline: number, timeoutLabel: string): Promise<void> {
  const detectors = new Map(modes.map((m) => [m, new StallDetector(ctx.stallSeconds, Date.now())]));
  for (let tick = 0; ; tick++) {
    const open = modes.filter((m) => ctx.store.modeFacts(m).verdict === 'running');
    if (!open.length || ctx.signal.aborted) break;
    if (Date.now() > deadline) {
      for (const m of open) ctx.store.setVerdict(m, 'timeout', `--timeout ${timeoutLabel} reached`);
      break;
    }
    await Promise.all(open.map((m) => pollMode(ctx, m, tick, detectors.get(m)!)));
    await sleep(ctx.pollMs, ctx.signal);
  }
}

async function pullEvents(ctx: ObserveContext, mode: Mode): Promise<void> {
  ctx.store.recordEvents(mode, await ctx.feed.pull(mode, ctx.store.modeExecutions(mode)));
}

async function pollMode(ctx: ObserveContext, mode: Mode, tick: number, detector: StallDetector): Promise<void> {
  const { store, client, rows } = ctx;
  const parent = store.modeFacts(mode).executionId!;
  try {
    const st = await client.status(parent);
    store.recordStatus(mode, st);
    if (mode === 'chunked_optimal' && tick % 2 === 0) {
      for (const ch of await rows.children([parent])) store.addChild(mode, ch.executionId, ch.batchNumber);
    }
    await pullEvents(ctx, mode);
    const stats = await rows.stats(parent);
    store.recordRows(mode, stats);
    store.setDegraded(null);
    const now = Date.now();
    detector.observe(stats.storedRows, store.modeFacts(mode).eventCount, now);
    if (st.state !== 'running') {
      await pullEvents(ctx, mode); // drain the tail written with the terminal event
      store.setVerdict(mode, st.state);
      return;
    }
    if (detector.stalled(now)) {
      store.markStalled(mode, stallFacts(store, mode, detector.since, now, stats.maxItemId));
      store.setVerdict(mode, 'stalled');
    }
  } catch (err) {
    if (ctx.signal.aborted) return;
    store.setDegraded(`degraded: ${mode} poll failed: ${oneLine(err)}`);
  }
}

function stallFacts(store: RunStore, mode: Mode, since: number, now: number, maxItemId: number | null): StallFacts {
  const f = store.modeFacts(mode);
  return {
    since,
    idleSeconds: Math.round((now - since) / 1000),
    maxPersistedItemId: maxItemId,
    storedRows: f.stats?.storedRows ?? 0,
    expectedRows: f.expected,
    iterationsIssued: f.iterationsIssued,
    iterationsDone: f.iterationsDone,
    retriesPerNode: store.retriesPerNode(mode),
    openExecutions: store.openExecutions(mode),
    podMemoryTrend: store.podMemoryTrend(),
  };
}

/** Samples pods (and the tool itself) until the returned stop function is awaited. */
export function samplePods(store: RunStore, pods: PodsSource | undefined, signal: AbortSignal): () => Promise<void> {
  if (!pods) return async () => {};
  let running = true;
  const loop = (async () => {
    while (running && !signal.aborted) {
      try {
        for (const s of await pods.sample()) store.recordPod(s);
        store.recordPod(selfSample());
      } catch (err) {
        store.setPodsNote(`pods source error: ${oneLine(err)}`);
      }
      await sleep(pods.intervalMs, signal);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
