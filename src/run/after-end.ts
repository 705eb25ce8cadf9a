// An end that is not the end of the work: on Rust a run ends FAILED at its first failed command while the
// loop's other commands still run and store rows, and a cancel stops none of them (engine-dialects.ts
// commandsRunAfterEnd). Diffing at the end would count those items missing; the observer reads on until
// the rows settle, then says how many came after the end.
import { engineDialect } from '../engine-dialects.js';
import { inFlightCommands, type Dialect, type ExecState, type Mode } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import type { RowsSource } from '../sources/rows.js';
import { cancelOpen } from './finalize.js';
import { noteLeftRunning } from './left-running.js';
import { sleep } from './sleep.js';
import type { RunStore } from './store.js';

/** Per mode: the stored rows last seen after the end, and since when they have not changed. */
export type AfterEndTrack = Map<Mode, { rows: number; at: number }>;

interface Reader {
  store: RunStore;
  client: { dialect: Dialect | undefined };
  feed: { windowMs: number };
  stallSeconds: number;
}

/**
 * Whether the mode must be read on before its verdict: its execution ended `final` while commands it
 * issued still ran, and rows still arrive. Settled once nothing runs and a trailing window passed without a
 * new row, or after a stall window without one (a command lost with its worker never ends).
 */
export function stillArriving(
  ctx: Reader,
  mode: Mode,
  final: ExecState,
  rows: number,
  now: number,
  track: AfterEndTrack,
): boolean {
  if (final === 'completed' || !engineDialect(ctx.client.dialect).commandsRunAfterEnd) return false;
  const f = ctx.store.modeFacts(mode);
  const open = inFlightCommands(f);
  let t = track.get(mode);
  if (!t) {
    if (!open) return false;
    ctx.store.markEndedWhileRunning(mode, final, open);
    ctx.store.log(
      'loadrun',
      'warn',
      `${mode}: ${final.toUpperCase()} while ${open} command(s) still run; reading rows until they settle before the diff`,
    );
    track.set(mode, { rows, at: now });
    return true;
  }
  if (rows !== t.rows) track.set(mode, (t = { rows, at: now }));
  const quietMs = now - t.at;
  if ((open > 0 || quietMs < ctx.feed.windowMs) && quietMs < ctx.stallSeconds * 1000) return true;
  ctx.store.settleAfterEnd(mode);
  return false;
}

/**
 * After the tool cancelled `modes` (--cancel-on-exit), on an engine whose issued commands run on: counts the
 * rows that still arrive, until a trailing window passes without one or `maxMs`. The summary's figures and
 * the diff stay those of the cancel; the count is the mode's `afterEnd` (not waited for by the diff).
 */
export async function watchAfterCancel(
  store: RunStore,
  rows: Pick<RowsSource, 'stats'>,
  dialect: Dialect | undefined,
  modes: Mode[],
  o: { windowMs: number; maxMs: number; signal: AbortSignal },
): Promise<void> {
  if (!engineDialect(dialect).commandsRunAfterEnd || !modes.length) return;
  const seen: AfterEndTrack = new Map();
  for (const m of modes) {
    const f = store.modeFacts(m);
    store.markEndedWhileRunning(m, 'cancelled', inFlightCommands(f), false);
    seen.set(m, { rows: f.stats?.storedRows ?? 0, at: Date.now() });
  }
  const stop = Date.now() + o.maxMs;
  const quiet = () => [...seen.values()].every((t) => Date.now() - t.at >= o.windowMs);
  while (!quiet() && Date.now() < stop && !o.signal.aborted) {
    await sleep(Math.min(1000, o.windowMs), o.signal);
    for (const m of modes) {
      const n = (await rows.stats(store.modeFacts(m).executionId!).catch(() => null))?.storedRows;
      if (n !== undefined && n !== seen.get(m)!.rows) seen.set(m, { rows: n, at: Date.now() });
    }
  }
  if (!quiet()) return; // still arriving: the mode's afterEnd stays open, and the report says so
  for (const m of modes) store.settleAfterEnd(m, seen.get(m)!.rows - (store.modeFacts(m).afterEnd?.storedRows ?? 0));
}

/**
 * The run's last word to the engine: --cancel-on-exit cancels what did not end (on Rust the rows that still
 * arrive are counted: watchAfterCancel), and on a server that outlives the run what it left running is
 * noted for the next run against it (left-running.ts).
 */
export async function leaveEngine(
  store: RunStore,
  t: { client: NoetlClient; rows: RowsSource; sandbox?: unknown },
  c: { cancelOnExit?: boolean; tailWindowMs: number; stallSeconds: number },
  signal: AbortSignal,
): Promise<void> {
  if (c.cancelOnExit) {
    const cancelled = await cancelOpen(store, t.client);
    await watchAfterCancel(store, t.rows, t.client.dialect, cancelled, {
      // Rows come in bursts as worker slots free up: a quiet second is not the end of them.
      windowMs: Math.max(c.tailWindowMs, 5000),
      maxMs: Math.min(c.stallSeconds, 60) * 1000,
      signal,
    });
  }
  if (!t.sandbox) noteLeftRunning(t.client.baseUrl, store.snapshot().modes, Date.now());
}
