// Observing launched modes: every poll interval, per open mode, the status, new child executions, new
// events and the row counts go into the store; a mode ends on a terminal status, a stall or the timeout.
// Pods are sampled on their own interval beside it (sample-pods.ts).
import { oneLine } from '../errors.js';
import type { ExecState, Mode, NormalStatus } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import type { EventFeed } from '../sources/event-feed.js';
import type { RowsSource } from '../sources/rows.js';
import { sleep } from './sleep.js';
import { childrenOwned } from './children.js';
import { diagnoseMode } from './evidence.js';
import { endEpisode, readChildStatus, stallFacts, waitForChildren } from './episodes.js';
import { stillArriving, type AfterEndTrack } from './after-end.js';
import { StallDetector } from './stall.js';
import { PollPlan, type StatusRead } from './poll-plan.js';
import { serverVerdict } from './final-status.js';
import { engineBusy } from './evidence.js';
import type { SelfCost } from './self-cost.js';
import type { RunStore } from './store.js';

export interface ObserveContext {
  store: RunStore;
  client: NoetlClient;
  rows: RowsSource;
  feed: EventFeed;
  signal: AbortSignal;
  stallSeconds: number;
  /** --stop-on-stall: a mode ends at its first stall; else a stall is an episode and polling goes on. */
  stopOnStall?: boolean;
  pollMs: number;
  /** The tool's own cost (poll durations, RSS), when the caller keeps it. */
  cost?: SelfCost;
}

/** What a round carries between modes and rounds: the poll plan and its budgeted status reader. */
type Track = { childTimeouts: Map<Mode, number>; afterEnd: AfterEndTrack; plan: PollPlan; status: StatusRead };

/** Per mode: a terminal status not yet confirmed by a terminal event, and since when it has held. */
type Pending = Map<Mode, { state: ExecState; at: number }>;

/** Polls `modes` until none is running, the stop signal, or `deadline` (ms epoch). */
export async function observe(
  ctx: ObserveContext,
  modes: Mode[],
  deadline: number,
  timeoutLabel: string,
): Promise<void> {
  const detectors = new Map(modes.map((m) => [m, new StallDetector(ctx.stallSeconds, Date.now())]));
  const pending: Pending = new Map();
  /** Per mode: the playbook-tool timeouts logged when its open stall was called (what ended it, later). */
  const childTimeouts = new Map<Mode, number>();
  const finishing = new Map<Mode, number>();
  const afterEnd: AfterEndTrack = new Map();
  const plan = new PollPlan(Date.now, (id, ms, waitMs) =>
    ctx.store.log(
      'loadrun',
      'info',
      `a /status read of execution ${id} took ${(ms / 1000).toFixed(1)} s of the server: it is read again no sooner than ${Math.round(waitMs / 1000)} s later (poll-plan.ts STATUS_SHARE)`,
    ),
  );
  const track = { childTimeouts, afterEnd, plan, status: plan.reader((id) => ctx.client.status(id)) };
  let quiet = 0;
  for (let tick = 0; ; tick++) {
    const open = modes.filter((m) => ctx.store.modeFacts(m).verdict === 'running');
    if (!open.length || ctx.signal.aborted) break;
    if (Date.now() > deadline) {
      for (const m of open) ctx.store.setVerdict(m, 'timeout', `--timeout ${timeoutLabel} reached`);
      break;
    }
    const before = movement(ctx, open);
    const t0 = performance.now();
    const [api, sql] = [ctx.client.calls, ctx.rows.queries];
    await Promise.all(open.map((m) => pollMode(ctx, m, tick, detectors.get(m)!, pending, track)));
    const ms = performance.now() - t0;
    const moved = movement(ctx, open) !== before;
    quiet = moved ? 0 : quiet + 1;
    const wait = endingSoon(ctx, open, finishing, Date.now())
      ? Math.min(FINISH_POLL_MS, ctx.pollMs)
      : backoffMs(ctx.pollMs, quiet);
    ctx.cost?.poll(ms, {
      moved,
      modes: open.length,
      spanMs: ms + wait,
      api: ctx.client.calls - api,
      sql: ctx.rows.queries - sql,
    });
    await sleep(wait, ctx.signal);
  }
  ctx.cost?.statusReads(plan.reads, plan.readMs);
}

/** Once every expected row is stored the run is in its last steps: its end is polled for this often… */
const FINISH_POLL_MS = 250;
/** …for at most this long (a run that stores everything and never ends goes back to the usual pace). */
const FINISH_WINDOW_MS = 10_000;

/** Whether an open mode has stored every expected row within the last FINISH_WINDOW_MS (`since` keeps when). */
export function endingSoon(
  ctx: Pick<ObserveContext, 'store'>,
  modes: Mode[],
  since: Map<Mode, number>,
  now: number,
): boolean {
  return modes.some((m) => {
    const f = ctx.store.modeFacts(m);
    if (!f.expected || (f.stats?.storedRows ?? 0) < f.expected) return false;
    if (!since.has(m)) since.set(m, now);
    return now - since.get(m)! < FINISH_WINDOW_MS;
  });
}

/** Everything that moves: events, rows and verdicts of the open modes. */
function movement(ctx: ObserveContext, modes: Mode[]): string {
  return modes
    .map((m) => {
      const f = ctx.store.modeFacts(m);
      return `${f.eventCount}/${f.stats?.storedRows ?? 0}/${f.verdict}`;
    })
    .join(',');
}

/**
 * The observer's own load: while nothing moves it polls less (twice, four, eight times the interval, at
 * most 5 s); the first poll that sees anything move brings it back to --poll-interval.
 */
export function backoffMs(pollMs: number, quietPolls: number): number {
  return Math.max(pollMs, Math.min(5000, pollMs * 2 ** Math.min(quietPolls, 3)));
}

/** Chunk-worker children of the mode's executions, so their events are followed too (children.ts). */
async function discoverChildren(ctx: ObserveContext, mode: Mode): Promise<void> {
  if (mode !== 'chunked_optimal') return;
  const mine = new Set(ctx.store.modeExecutions(mode));
  const known = new Set(ctx.store.allExecutions());
  for (const { child, misfiled } of childrenOwned(await ctx.rows.children([...known]), mine, known)) {
    ctx.store.addChild(mode, child.executionId, child.batchNumber);
    if (misfiled)
      ctx.store.log(
        'loadrun',
        'warn',
        `${mode}: chunk worker ${child.executionId} is recorded under execution ${child.parentExecutionId}; its input names ${child.inputParent}, whose child it is followed as`,
      );
  }
}

async function pullEvents(ctx: ObserveContext, mode: Mode): Promise<void> {
  // An execution that ended while its commands still run is read on past its trailing window (after-end.ts).
  const a = ctx.store.modeFacts(mode).afterEnd;
  const keepOpen = Boolean(a && a.settledAt === null);
  ctx.store.recordEvents(mode, await ctx.feed.pull(mode, ctx.store.modeExecutions(mode), keepOpen));
}

/**
 * Final means final (noetl-contract §6.3): a terminal event settles the state; a terminal status without
 * one (Rust's heuristics, Python's completion_inferred, a status flapping between two steps) counts only
 * once the same status has held over two polls at least a trailing window apart.
 */
function finalState(
  ctx: ObserveContext,
  mode: Mode,
  parent: string,
  st: NormalStatus,
  pending: Pending,
  now: number,
): ExecState | undefined {
  const settled = ctx.store.terminalState(mode, parent);
  if (settled) return settled;
  // Python flags a completion it inferred (between two steps, or while a playbook tool waits for its
  // children, seen on noetl 4.26.0): only its terminal event ends the mode.
  if (st.state === 'running' || st.inferred) {
    pending.delete(mode);
    return undefined;
  }
  const since = pending.get(mode);
  if (!since || since.state !== st.state) {
    pending.set(mode, { state: st.state, at: now });
    return undefined;
  }
  return now - since.at >= ctx.feed.windowMs ? st.state : undefined;
}

/** The mode's /status when the plan reads it this round (poll-plan.ts), beside new children found. */
async function statusRound(
  ctx: ObserveContext,
  mode: Mode,
  parent: string,
  tick: number,
  track: Track,
): Promise<NormalStatus | undefined> {
  const withStatus = track.plan.readStatus(mode, ctx.store.modeFacts(mode).eventCount, Date.now());
  const [st] = await Promise.all([
    withStatus ? track.status(parent) : undefined,
    tick % 2 === 0 ? discoverChildren(ctx, mode) : undefined,
  ]);
  if (st) ctx.store.recordStatus(mode, st);
  return st;
}

async function pollMode(
  ctx: ObserveContext,
  mode: Mode,
  tick: number,
  detector: StallDetector,
  pending: Pending,
  track: Track,
): Promise<void> {
  const { childTimeouts } = track;
  const { store, rows } = ctx;
  const parent = store.modeFacts(mode).executionId!;
  try {
    // Independent reads side by side: a round costs its slowest read, not their sum (the verdict waits
    // for a round). New children first, so the events read covers them.
    const st = await statusRound(ctx, mode, parent, tick, track);
    const [, stats] = await Promise.all([pullEvents(ctx, mode), rows.stats(parent)]);
    store.recordRows(mode, stats);
    store.setDegraded(null);
    const now = Date.now();
    detector.observe(store.progress(mode), store.modeFacts(mode).eventCount, now);
    detector.busy(engineBusy(store, mode), now);
    // A round without a status read ends the mode only on a terminal event.
    const final = st ? finalState(ctx, mode, parent, st, pending, now) : store.terminalState(mode, parent);
    const open = store.modeFacts(mode).stall;
    if (final) {
      // Children started since the last discovery still have events to read before the end.
      await discoverChildren(ctx, mode);
      await pullEvents(ctx, mode);
      if (await waitForChildren(store, track.status, mode, { final, stalled: detector.stalled(now), now })) return;
      if (stillArriving(ctx, mode, final, stats.storedRows, now, track.afterEnd)) return;
      const verdict = await serverVerdict(ctx, track.status, mode, parent, final);
      if (open) endEpisode(store, mode, now, childTimeouts, `the execution's end (${verdict.state})`);
      store.setVerdict(mode, verdict.state, verdict.error);
      return;
    }
    // Progress came back: the episode ends before the diagnosis reads the new rows as a stall's.
    if (open && detector.since > open.since) endEpisode(store, mode, now, childTimeouts);
    // Quiet children every third round; every round while an end they said waits for its second read.
    if (tick % 3 === 0 || store.childEndsPending(mode)) await readChildStatus(store, track.status, mode);
    if (!store.modeFacts(mode).stall && detector.stalled(now)) {
      store.markStalled(mode, stallFacts(store, mode, detector, now, stats.maxItemId));
      childTimeouts.set(mode, store.hits.of(mode)['child-timeout']?.count ?? 0);
      if (ctx.stopOnStall) store.setVerdict(mode, 'stalled');
      else
        store.log(
          'loadrun',
          'warn',
          `${mode}: stalled (no progress for ${Math.round((now - detector.since) / 1000)}s); still observing`,
        );
    }
    diagnoseMode(store, mode, detector.thresholdSeconds() > ctx.stallSeconds);
    store.touchStall(mode, Math.round((now - detector.since) / 1000));
    const named = store.modeFacts(mode).diagnosis?.causes.find((c) => c.confidence !== 'low');
    if (store.modeFacts(mode).stall && named) store.noteStallCause(mode, named.id);
  } catch (err) {
    if (ctx.signal.aborted) return;
    store.setDegraded(`degraded: ${mode} poll failed: ${oneLine(err)}`);
  }
}

/**
 * After the modes ended: keep reading their events for one trailing window, so an event committed late
 * below the cursor still reaches the store and events.ndjson before the report is written.
 */
export async function drainTail(ctx: ObserveContext, modes: Mode[]): Promise<void> {
  const ended = modes.filter((m) => ['completed', 'failed', 'cancelled'].includes(ctx.store.modeFacts(m).verdict));
  const give = Date.now() + ctx.feed.windowMs + 2 * ctx.pollMs;
  while (
    !ctx.signal.aborted &&
    Date.now() < give &&
    !ctx.feed.settled(ended.flatMap((m) => ctx.store.modeExecutions(m)))
  ) {
    for (const m of ended) await pullEvents(ctx, m).catch(() => {});
    await sleep(Math.min(ctx.pollMs, 1000), ctx.signal);
  }
  // Events committed after the feed left an execution are read now; what no read can reach is counted, not
  // silent (summary.json observer.feed.unread_at_end, a log line).
  if (ctx.signal.aborted) return;
  const found = await ctx.feed
    .confirmAtEnd(ended.map((m) => ({ group: m, ids: ctx.store.modeExecutions(m) })))
    .catch((err) => {
      ctx.store.log('loadrun', 'warn', `counting unread events failed: ${(err as Error).message}`);
      return [];
    });
  for (const f of found) ctx.store.recordEvents(f.group, f.events);
}
