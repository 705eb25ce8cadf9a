// An end that is not the end of the work: on Rust a run ends FAILED at its first failed command while the
// loop's other commands still run and store rows, and a cancel stops none of them (engine-dialects.ts
// commandsRunAfterEnd). Diffing at the end would count those items missing; the observer reads on until
// the rows settle, then says how many came after the end.
import { engineDialect } from '../engine-dialects.js';
import type { Dialect, ExecState, Mode } from '../model.js';
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
  const open = Math.max(0, f.iterationsIssued - f.iterationsDone);
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
