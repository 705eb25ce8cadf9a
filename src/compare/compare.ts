// `compare`: runs side by side per mode, the change from the first run to each other in plain words, and
// the regressions --fail-on-regression asks about (the last run against the first).
import { usageError } from '../errors.js';
import { formatRanges } from '../diff/missing-items.js';
import { stalledIn, type ModeDigest, type RunDigest } from './load.js';
import { growthOf } from '../sweep/growth.js';
import { textTable } from '../render/lines.js';

export const HEAD = [
  'run',
  'verdict',
  'stored',
  'missing',
  'rows/s',
  'to end/stall',
  'cause',
  'retries',
  'failures',
  'peak MiB',
];

export interface Regression {
  stall: boolean;
  missing: boolean;
  /** Percent of throughput lost that counts as a regression, when asked. */
  throughputPercent: number | null;
}

export function parseRegressions(raw: string): Regression {
  const r: Regression = { stall: false, missing: false, throughputPercent: null };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^throughput:(\d+(?:\.\d+)?)%?$/.exec(part);
    if (part === 'stall') r.stall = true;
    else if (part === 'missing') r.missing = true;
    else if (m) r.throughputPercent = Number(m[1]);
    else
      throw usageError(
        `--fail-on-regression takes stall, missing and throughput:<percent>, got ${JSON.stringify(part)}`,
      );
  }
  return r;
}

/** The modes any of the runs ran, in the order they first appear. */
export const modesOf = (runs: Array<{ modes: Array<{ mode: string }> }>) => [
  ...new Set(runs.flatMap((r) => r.modes.map((m) => m.mode))),
];
const modeIn = (r: RunDigest, mode: string) => r.modes.find((m) => m.mode === mode);
const secs = (n: number | null) => (n === null ? '-' : `${n.toFixed(1)}s`);

function cells(r: RunDigest, m: ModeDigest): string[] {
  const peak = Object.entries(r.peakMiB)
    .map(([role, mib]) => `${role} ${mib}`)
    .join(', ');
  return [
    r.label,
    m.verdict.toUpperCase(),
    `${m.stored}/${m.expected}`,
    m.missing === null ? '-' : m.missing ? `${m.missing} (${formatRanges(m.ranges, 4)})` : '0',
    m.rowsPerSecond.toFixed(1),
    m.stallAfter !== null
      ? `stall at ${secs(m.stallAfter)}`
      : `${secs(m.seconds)}${m.stalls ? ` (${m.stalls} stall${m.stalls > 1 ? 's' : ''})` : ''}`,
    m.cause ?? '-',
    m.retries === null ? 'n/a' : String(m.retries),
    String(m.failures),
    peak || '-',
  ];
}

/** What changed from `a` to `b` for one mode, in words. */
export function changeWords(a: ModeDigest | undefined, b: ModeDigest | undefined): string {
  if (!a || !b) return a ? 'mode not run' : 'mode new in this run';
  const out: string[] = [];
  const stalledA = stalledIn(a);
  const stalledB = stalledIn(b);
  const times = (m: ModeDigest) => (m.stalls > 1 ? ` ${m.stalls}×` : '');
  if (stalledA && !stalledB) out.push('stall gone');
  if (!stalledA && stalledB) out.push(`stalled${times(b)} (${b.cause ?? 'unknown'})`);
  if (a.verdict !== b.verdict && !(stalledA || stalledB)) out.push(`${a.verdict} → ${b.verdict}`);
  const ma = a.missing ?? 0;
  const mb = b.missing ?? 0;
  if (ma > 0 && mb === 0) out.push(`all ${ma} missing items recovered`);
  else if (mb > ma) out.push(`${mb - ma} more missing`);
  else if (mb < ma) out.push(`${ma - mb} fewer missing`);
  if (a.rowsPerSecond > 0) {
    const pct = Math.round(((b.rowsPerSecond - a.rowsPerSecond) / a.rowsPerSecond) * 100);
    if (pct !== 0) out.push(`throughput ${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`);
  }
  return out.length ? out.join(', ') : 'no change';
}

/**
 * One mode's part of every output (the printed table, compare.md, compare.html): a row of cells per run that
 * ran it, and the change from the first run to each other, as `<first> → <other>: <words>`.
 */
export function modeTable(runs: RunDigest[], mode: string): { rows: string[][]; changes: string[] } {
  return {
    rows: runs.flatMap((r) => {
      const m = modeIn(r, mode);
      return m ? [cells(r, m)] : [];
    }),
    changes: runs
      .slice(1)
      .map((r) => `${runs[0].label} → ${r.label}: ${changeWords(modeIn(runs[0], mode), modeIn(r, mode))}`),
  };
}

/**
 * The growth of the per-item cost with the payload, when the runs differ in their payload and in nothing
 * else of their setting (target, faults, other parameters): the same fit as a sweep's.
 */
export function compareGrowth(runs: RunDigest[]): string[] {
  const rest = (r: RunDigest) => JSON.stringify({ ...r.params, payloadKb: null, t: r.target, f: r.faults });
  if (new Set(runs.map(rest)).size !== 1) return [];
  const kb = (r: RunDigest) => Number(r.params.payloadKb);
  const cpu = runs.flatMap((r) => (r.cpuPerItem !== null ? [{ payload_kb: kb(r), cost: r.cpuPerItem }] : []));
  const secs = runs.flatMap((r) => (r.secondsPerItem !== null ? [{ payload_kb: kb(r), cost: r.secondsPerItem }] : []));
  const g = growthOf('engine CPU-seconds per item', cpu) ?? growthOf('seconds per item', secs);
  return g ? [g.text] : [];
}

/** What makes a run not comparable with the first: another target or dialect, fault profile or parameters. */
export function notComparable(runs: RunDigest[]): string[] {
  const [first, ...rest] = runs;
  const faults = (r: RunDigest) => r.faults.join(', ') || 'none';
  const params = (r: RunDigest) => JSON.stringify(r.params);
  // Runs that differ only in their payload are a payload comparison (compareGrowth), said as such.
  const onlyPayload = compareGrowth(runs).length > 0;
  return rest.flatMap((r) => {
    const why = [
      ...(r.target !== first.target ? [`target ${r.target} (first: ${first.target})`] : []),
      ...(faults(r) !== faults(first) ? [`fault profile ${faults(r)} (first: ${faults(first)})`] : []),
      ...(params(r) !== params(first) && !onlyPayload ? [`parameters ${params(r)} (first: ${params(first)})`] : []),
    ];
    return why.length ? [`not comparable: ${r.label} ran another setting: ${why.join('; ')}`] : [];
  });
}

/** The table per mode: one row per run, then the change from the first run to each other. */
export function compareTable(runs: RunDigest[]): string[] {
  const out: string[] = [];
  for (const mode of modesOf(runs)) {
    const { rows, changes } = modeTable(runs, mode);
    out.push(`${mode}:`, ...textTable(HEAD, rows));
    out.push(...changes.map((c) => `  ${c}`), '');
  }
  return out;
}

/** The regressions of the last run against the first, as lines (empty: none). */
export function regressions(runs: RunDigest[], asked: Regression): string[] {
  const first = runs[0];
  const last = runs[runs.length - 1];
  const out: string[] = [];
  for (const mode of modesOf(runs)) {
    const a = modeIn(first, mode);
    const b = modeIn(last, mode);
    if (!a || !b) continue;
    if (asked.stall && stalledIn(b) && !stalledIn(a)) out.push(`${mode}: stalled, the first run did not`);
    if (asked.missing && (b.missing ?? 0) > (a.missing ?? 0))
      out.push(`${mode}: ${(b.missing ?? 0) - (a.missing ?? 0)} more missing`);
    if (asked.throughputPercent !== null && a.rowsPerSecond > 0) {
      const lost = ((a.rowsPerSecond - b.rowsPerSecond) / a.rowsPerSecond) * 100;
      if (lost > asked.throughputPercent)
        out.push(`${mode}: throughput −${Math.round(lost)}% (over ${asked.throughputPercent}%)`);
    }
  }
  return out;
}

/** compare.md: the same tables, as Markdown. */
export function compareMarkdown(runs: RunDigest[]): string {
  const warnings = notComparable(runs);
  const out = [
    '# noetl-loadrun compare',
    '',
    ...runs.map((r) => `- **${r.label}**: ${r.startedAt}, ${r.target}, exit ${r.exitCode} (\`${r.dir}\`)`),
    '',
    ...(warnings.length ? [...warnings.map((w) => `> **${w}**`), ''] : []),
    ...compareGrowth(runs).flatMap((g) => [`**${g}**`, '']),
  ];
  for (const mode of modesOf(runs)) {
    const { rows, changes } = modeTable(runs, mode);
    out.push(`## ${mode}`, '', `| ${HEAD.join(' | ')} |`, `|${'---|'.repeat(HEAD.length)}`);
    out.push(...rows.map((c) => `| ${c.join(' | ')} |`), '', ...changes.map((c) => `- ${c}`), '');
  }
  return out.join('\n');
}
