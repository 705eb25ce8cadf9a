// Finalizing a run: the final row counts and missing-items diff per mode (one builder, diff/mode-diff.ts),
// the cross-mode comparison, the summarize step's value, cancelling what still runs when asked, and the
// verdict that becomes the exit code.
import { EXIT, oneLine } from '../errors.js';
import {
  BREACHES,
  type Breach,
  type Mode,
  type ModeDiff,
  type RunOutcome,
  type RunParams,
  type Snapshot,
  type StallEpisode,
  type Thresholds,
} from '../model.js';
import { buildModeDiff, crossOf } from '../diff/mode-diff.js';
import type { NoetlClient } from '../noetl/client.js';
import type { RowsSource } from '../sources/rows.js';
import { diagnoseMode } from './evidence.js';
import type { FeedFigures } from '../sources/event-feed.js';
import type { SelfCost } from './self-cost.js';
import type { RunStore } from './store.js';

const FINAL = ['completed', 'failed', 'cancelled', 'not-launched'];

/** Final counts and diffs; returns what could not be measured (one line each). */
export async function finalizeDiffs(
  store: RunStore,
  rows: RowsSource | undefined,
  params: RunParams,
): Promise<string[]> {
  const diffs: ModeDiff[] = [];
  const failures: string[] = [];
  // Every mode's reads side by side (at 20,000 items a mode's aggregate over its rows takes tens of ms on
  // its own connection); the store takes the results in mode order.
  const modes = store.snapshot().modes.filter((m) => m.executionId && rows);
  const results = await Promise.allSettled(
    modes.map(async (m) => {
      const [{ diff, stats }, summarize] = await Promise.all([
        buildModeDiff(rows!, m.mode, m.executionId!, m.expected, params),
        m.verdict === 'completed' ? rows!.summarize(m.executionId!).catch(() => null) : Promise.resolve(undefined),
      ]);
      return { diff, stats, summarize };
    }),
  );
  modes.forEach((m, i) => {
    const r = results[i];
    if (r.status === 'fulfilled') {
      store.recordRows(m.mode, r.value.stats);
      store.setDiff(m.mode, r.value.diff);
      diffs.push(r.value.diff);
      if (r.value.summarize !== undefined) store.setSummarize(m.mode, r.value.summarize);
    } else {
      store.log('loadrun', 'error', `final counts for ${m.mode}: ${oneLine(r.reason)}`);
      failures.push(`${m.mode} not measured: ${oneLine(r.reason)}`);
    }
  });
  store.setCross(crossOf(diffs));
  for (const m of store.snapshot().modes) if (m.executionId) diagnoseMode(store, m.mode);
  return failures;
}

/** --cancel-on-exit: cancels every execution of a mode that did not end by itself; returns those modes. */
export async function cancelOpen(store: RunStore, client: NoetlClient): Promise<Mode[]> {
  const cancelled: Mode[] = [];
  for (const m of store.snapshot().modes) {
    if (!m.executionId || FINAL.includes(m.verdict)) continue;
    cancelled.push(m.mode);
    for (const id of [m.executionId, ...m.openExecutions.filter((x) => x !== m.executionId)]) {
      const ok = await client.cancel(id).catch(() => false);
      store.log(
        'loadrun',
        ok ? 'info' : 'warn',
        `${ok ? 'cancelled' : 'could not cancel'} execution ${id} (${m.mode})`,
      );
    }
  }
  return cancelled;
}

/** Each problem of a finished run with the kind of breach it is. */
export function breachesOf(store: RunStore, maxDurationSeconds?: number): Array<{ breach: Breach; text: string }> {
  const out: Array<{ breach: Breach; text: string }> = [];
  const snap = store.snapshot();
  for (const m of snap.modes) {
    if (m.verdict === 'stalled') out.push({ breach: 'stall', text: `${m.mode} STALLED` });
    else if (m.stalls.length)
      out.push({ breach: 'stall', text: `${m.mode} stalled ${episodesText(m.stalls, snap.now)}` });
    if (m.verdict === 'timeout') out.push({ breach: 'timeout', text: `${m.mode} TIMEOUT` });
    else if (m.verdict !== 'completed' && m.verdict !== 'stalled')
      out.push({ breach: 'failures', text: `${m.mode} ${m.verdict.toUpperCase()}` });
    if (m.diff && m.diff.missingCount > 0)
      out.push({ breach: 'missing', text: `${m.mode} missing ${m.diff.missingCount}` });
    if (m.failures > 0) out.push({ breach: 'failures', text: `${m.mode} ${m.failures} failures` });
  }
  const seconds = runSeconds(snap);
  if (maxDurationSeconds !== undefined && seconds !== null && seconds > maxDurationSeconds) {
    out.push({ breach: 'timeout', text: `ran ${Math.round(seconds)}s, over --max-duration ${maxDurationSeconds}s` });
  }
  return out;
}

/** "3 times (75s, 75s, 75s)": how often and how long a mode stalled (an episode open at the end counts to then). */
export function episodesText(stalls: StallEpisode[], now: number): string {
  const lengths = stalls.map((e) => `${Math.round(((e.endedAt ?? now) - e.since) / 1000)}s`);
  return `${stalls.length === 1 ? 'once' : `${stalls.length} times`} (${lengths.join(', ')})`;
}

/** From the first launch to the last mode's end (null before anything launched). */
export function runSeconds(snap: Snapshot): number | null {
  const starts = snap.modes.map((m) => m.startedAt).filter((x): x is number => x !== null && x !== undefined);
  if (!starts.length) return null;
  const ends = snap.modes.map((m) => m.endedAt ?? snap.now);
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

/**
 * The exit code of a finished run: 1 when a breach of a kind in `failOn` happened (all kinds by default),
 * else 0. Breaches of other kinds are still named in the reason.
 */
export function verdictOf(store: RunStore, t: Thresholds = { failOn: BREACHES }): RunOutcome {
  const found = breachesOf(store, t.maxDurationSeconds);
  const failing = found.filter((b) => t.failOn.includes(b.breach));
  const ignored = found.filter((b) => !t.failOn.includes(b.breach));
  const note = ignored.length
    ? ` (not failing under --fail-on ${t.failOn.join(',') || 'none'}: ${ignored.map((b) => b.text).join('; ')})`
    : '';
  if (failing.length) return { exitCode: EXIT.BREACHED, reason: failing.map((b) => b.text).join('; ') + note };
  return {
    exitCode: EXIT.OK,
    reason: (found.length ? 'no failing breach' : 'all modes complete, nothing missing') + note,
  };
}

/** What observing cost: calls the tool made to the server, the database and kubectl, from start to `endedAt`. */
export function observerStats(
  startedAt: number,
  endedAt: number,
  calls: { api: number; sql: number; kubectl: number },
  cost?: SelfCost,
  feed?: FeedFigures,
): Record<string, unknown> {
  const patches = cost?.patches;
  const seconds = (endedAt - startedAt) / 1000;
  const perSecond = (n: number) => Math.round((n / Math.max(1, seconds)) * 100) / 100;
  return {
    observer: {
      seconds: Math.round(seconds * 10) / 10,
      api_calls: calls.api,
      sql_queries: calls.sql,
      kubectl_calls: calls.kubectl,
      api_calls_per_second: perSecond(calls.api),
      sql_queries_per_second: perSecond(calls.sql),
      ...cost?.figures(),
      ...(feed && feedPerEvent(feed)),
      ...(patches && { patches: Object.fromEntries(patches.map((p) => [p.name, p.on ? 'on' : `off: ${p.why}`])) }),
    },
  };
}

/** The event feed's reads, and per distinct event: reads, bytes read, and the bytes of the fields used. */
function feedPerEvent(f: FeedFigures): Record<string, unknown> {
  const per = (n: number) => (f.events ? Math.round((n / f.events) * 100) / 100 : null);
  return {
    feed: f,
    reads_per_event: per(f.events_read),
    bytes_read_per_event: per(f.bytes_read),
    bytes_used_per_event: per(f.bytes_used),
  };
}
