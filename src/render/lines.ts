// The run's facts as lines, computed once: the preflight check, the stall, the missing-items diff, the
// cross-mode comparison and the summary rows. The text summary, the TUI, report.md and the `diff` command
// only format these (indent, bullet, colour); none of them words a fact of its own.
import { formatRanges } from '../diff/missing-items.js';
import { dialectOfLabel } from '../engine-dialects.js';
import {
  retriesShown,
  type AfterEnd,
  type Check,
  type CrossDiff,
  type Diagnosis,
  type ModeDiff,
  type ModeView,
  type StallEpisode,
  type StallFacts,
} from '../model.js';

export type Tone = 'plain' | 'ok' | 'bad' | 'warn' | 'dim';

export interface Line {
  text: string;
  tone: Tone;
  /** 0: a heading or a mode's main line; 1: its details. */
  depth: number;
}

/** How many ranges a line lists before it says how many more there are. */
export interface Budget {
  ranges: number;
  windowRanges: number;
}

export const BUDGET = {
  text: { ranges: 20, windowRanges: 8 },
  screen: { ranges: 12, windowRanges: 6 },
  markdown: { ranges: 50, windowRanges: 10 },
} satisfies Record<string, Budget>;

const line = (text: string, tone: Tone = 'plain', depth = 0): Line => ({ text, tone, depth });

/**
 * A text table: the head, a line of dashes and the rows, each column padded to its widest cell (a cell wider
 * than `cap` does not widen its column), two spaces apart. The summary, compare and releases tables.
 */
export function textTable(head: string[], rows: string[][], cap = Infinity): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i].length, cap))));
  return [head, widths.map((w) => '-'.repeat(w)), ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

export function checkLine(c: Check): string {
  const mark = c.verdict === 'ok' ? '✓' : c.verdict === 'warn' ? '!' : '✗';
  return `${mark} ${c.name}: ${c.detail}${c.hint && c.verdict !== 'ok' ? ` — ${c.hint}` : ''}`;
}

export function stallLines(mode: string, s: StallFacts): Line[] {
  const how =
    s.kind === 'churning'
      ? `events kept flowing (${s.eventsSinceProgress}) but nothing progressed`
      : 'no new rows or events';
  return [
    line(
      `${mode} STALLED: ${how} for ${s.idleSeconds}s; max persisted item_id ${s.maxPersistedItemId ?? '-'} (${s.storedRows}/${s.expectedRows})`,
      'bad',
    ),
    line(
      `iterations issued ${s.iterationsIssued}, done ${s.iterationsDone}; retries per node: ${
        Object.entries(s.retriesPerNode)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || 'none'
      }`,
      'bad',
      1,
    ),
    line(`executions with no terminal event: ${s.openExecutions.join(', ') || 'none'}`, 'bad', 1),
    line(
      `pod memory: ${s.podMemoryTrend.map((t) => `${t.pod} ${t.firstMiB}->${t.lastMiB} MiB`).join(', ') || 'no samples'}`,
      'bad',
      1,
    ),
  ];
}

/**
 * A mode's stall episodes, when one ended (a stall the run did not come out of is stallLines' alone): when
 * each began after the launch, how long it lasted, what ended it and the cause named meanwhile.
 */
export function episodeLines(mode: string, stalls: StallEpisode[], startedAt: number | null, now: number): Line[] {
  if (!stalls.some((e) => e.endedAt !== null)) return [];
  const at = (t: number) =>
    startedAt !== null ? `+${Math.round((t - startedAt) / 1000)}s` : new Date(t).toISOString();
  return [
    line(`${mode}: ${stalls.length} stall episode(s)`, 'warn'),
    ...stalls.map((e, i) =>
      line(
        `${i + 1}. from ${at(e.since)} (${e.storedRows} rows stored) for ${Math.round(((e.endedAt ?? now) - e.since) / 1000)}s: ${
          e.endedAt === null ? 'still stalled at the end' : `ended by ${e.endedBy ?? 'progress'}`
        }${e.cause ? `; cause named: ${e.cause}` : ''}`,
        'warn',
        1,
      ),
    ),
  ];
}

/** A mode whose execution ended while its commands still ran: the rows that came after, which the diff waited for. */
export function afterEndLines(mode: string, a: AfterEnd | null | undefined, startedAt: number | null): Line[] {
  if (!a) return [];
  const at = startedAt !== null ? `+${Math.round((a.at - startedAt) / 1000)}s` : new Date(a.at).toISOString();
  const head = `${mode}: ${a.state.toUpperCase()} at ${at} with ${a.storedRows} rows stored, while ${a.openCommands} command(s) still ran`;
  return [
    line(head, 'warn'),
    line(
      a.settledAt === null
        ? 'rows were still arriving when observation stopped: the diff below may count items that are still running'
        : a.diffWaited
          ? `${a.rowsAfter} row(s) arrived after the ${a.state.toUpperCase()}; the diff waited for them (the engine runs the commands it issued on after a run ends)`
          : `${a.rowsAfter} row(s) arrived in the ${Math.round((a.settledAt - a.at) / 1000)}s after the tool's cancel (the engine runs the commands it issued on); the diff is of the rows stored before it, and a next run shares the engine with what still runs`,
      'warn',
      1,
    ),
  ];
}

/** A mode's diagnosis: its state, then each likely cause with its evidence and advice. */
export function diagnosisLines(mode: string, d: Diagnosis | null, withAdvice = true): Line[] {
  if (!d || (!d.causes.length && !d.state.startsWith('stalled'))) return [];
  const out = [
    line(
      `${mode} diagnosis: ${d.state}${d.causes.length ? ` — likely ${d.causes.map((c) => c.id).join(', ')}` : ''}`,
      d.state.startsWith('stalled') ? 'bad' : 'warn',
    ),
  ];
  for (const c of d.causes) {
    out.push(line(`${c.id} (${c.confidence}): ${c.title}`, 'warn', 1));
    for (const e of c.evidence) out.push(line(`evidence: ${e}`, 'plain', 1));
    if (withAdvice) for (const a of c.advice) out.push(line(`advice: ${a}`, 'dim', 1));
  }
  return out;
}

/** A mode that "completed" with nothing stored or no request bytes: say what to look at. */
export function hollowRunLines(modes: ModeView[], dialect: string, warnings: number): Line[] {
  const hollow = modes.filter(
    // Failed items explain their own missing rows: only a run with nothing failed and nothing stored is hollow.
    (m) =>
      m.verdict === 'completed' &&
      m.failures === 0 &&
      ((m.stats?.storedRows ?? 0) === 0 || (m.stats?.avgRequestBytes ?? 0) === 0),
  );
  if (!hollow.length) return [];
  const engine = dialectOfLabel(dialect) ?? 'rust';
  return hollow.map((m) =>
    line(
      `${m.mode} completed with ${m.stats?.storedRows ?? 0} rows stored and ${Math.round(m.stats?.avgRequestBytes ?? 0)} request bytes: the playbook may use constructs the ${engine} engine ignores${warnings ? ` (${warnings} found at register)` : ''} — noetl-loadrun check-playbook FILE --engine ${engine}`,
      'warn',
    ),
  );
}

/** A mode's label in the diff: a mode the tool stopped observing while it ran has a diff of what was stored so far. */
export function diffLabel(m: Pick<ModeView, 'mode' | 'verdict'>): string {
  return m.verdict === 'running' ? `${m.mode} (still RUNNING: stored so far)` : m.mode;
}

/**
 * Executions the tool stopped observing while they ran (Ctrl-C, q): an engine the tool does not own (a
 * server, a cluster) goes on with them; the sandbox and the local engine stop with the tool.
 */
export function leftRunningLines(
  modes: Array<Pick<ModeView, 'mode' | 'verdict' | 'executionId'>>,
  target: { kind: string },
): Line[] {
  if (target.kind === 'sandbox' || target.kind === 'local') return [];
  const left = modes.filter((m) => m.verdict === 'running' && m.executionId);
  if (!left.length) return [];
  return [
    line(
      `left running on the engine: ${left.map((m) => `${m.mode} ${m.executionId}`).join(', ')} — its diff is not final; --cancel-on-exit cancels them when the tool stops, noetl-loadrun watch <id> follows them to their end`,
      'warn',
    ),
  ];
}

/** One mode's diff: its main line and a line per window with missing items. `label` names the mode. */
export function modeDiffLines(label: string, diff: ModeDiff | null, budget: Budget, pending = 'not measured'): Line[] {
  if (!diff) return [line(`${label}: ${pending}`, 'dim')];
  const out = [
    line(
      `${label}: ${diff.missingCount} missing of ${diff.expected}: ${formatRanges(diff.missing, budget.ranges)}`,
      diff.missingCount ? 'bad' : 'ok',
    ),
  ];
  for (const w of diff.windows) {
    if (w.missing)
      out.push(
        line(
          `window ${w.batchNumber} (items ${w.from}-${w.to}): ${w.missing} missing (${formatRanges(w.ranges, budget.windowRanges)})`,
          'warn',
          1,
        ),
      );
  }
  return out;
}

export function crossLines(cross: CrossDiff | null, budget: Budget): Line[] {
  if (!cross) return [];
  return [
    line('Cross-mode:'),
    line(
      `stored by chunked_optimal, missing in direct_stress: ${formatRanges(cross.onlyChunked, budget.ranges)}`,
      'plain',
      1,
    ),
    line(
      `stored by direct_stress, missing in chunked_optimal: ${formatRanges(cross.onlyDirect, budget.ranges)}`,
      'plain',
      1,
    ),
    line(`missing in both: ${formatRanges(cross.missingInBoth, budget.ranges)}`, 'plain', 1),
  ];
}

/** The whole diff section: a line set per mode, then the cross-mode comparison. */
export function diffSection(
  modes: Array<{ label: string; diff: ModeDiff | null }>,
  cross: CrossDiff | null,
  budget: Budget,
  pending?: string,
): Line[] {
  return [...modes.flatMap((m) => modeDiffLines(m.label, m.diff, budget, pending)), ...crossLines(cross, budget)];
}

/** Seconds as 1m20s / 45s. */
export function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.round(seconds)}s`;
}

export const SUMMARY_HEAD = [
  'mode',
  'verdict',
  'stored/expected',
  'ok',
  'min-max id',
  'avg req B',
  'avg resp B',
  'events',
  'retries',
  'failures',
  'seconds',
];

/** A mode's verdict as shown: STALLED while a stall is open (observation goes on), and how often it stalled. */
export function verdictLabel(
  m: Pick<ModeView, 'verdict' | 'stall' | 'stalls' | 'afterEnd'>,
  withEpisodes = false,
): string {
  if (m.verdict === 'running' && m.afterEnd && m.afterEnd.settledAt === null)
    return `${m.afterEnd.state.toUpperCase()}, rows arriving`;
  if (m.verdict === 'running' && m.stall) return 'STALLED';
  const n = m.stalls?.length ?? 0;
  const label = m.verdict.toUpperCase();
  return withEpisodes && n && m.verdict !== 'stalled' ? `${label}, ${n} stall${n > 1 ? 's' : ''}` : label;
}

/** The summary table's cells for one mode. */
export function summaryCells(m: ModeView, now: number, target: { retriesNote?: string | null } = {}): string[] {
  return [
    m.mode,
    verdictLabel(m, true),
    `${m.stats?.storedRows ?? 0}/${m.expected}`,
    String(m.stats?.okRows ?? 0),
    `${m.stats?.minItemId ?? '-'}-${m.stats?.maxItemId ?? '-'}`,
    String(Math.round(m.stats?.avgRequestBytes ?? 0)),
    String(Math.round(m.stats?.avgResponseBytes ?? 0)),
    String(m.eventCount),
    retriesShown(m, target),
    String(m.failures),
    m.startedAt ? (((m.endedAt ?? now) - m.startedAt) / 1000).toFixed(1) : '-',
  ];
}

/** Lines as plain text, two spaces per depth. */
export function plain(lines: Line[], indent = '  ', base = ''): string[] {
  return lines.map((l) => `${base}${indent.repeat(l.depth)}${l.text}`);
}
