// `noetl-loadrun releases <list or range> [run options]`: the same setting run on several releases of the
// legacy engine (--target local, each release in its own cached venv), one row per release, where the
// behaviour changes, and a compare report across them. With --bisect (over a list or a range), only the releases a
// bisection needs are run.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareCommand } from './compare.js';
import { buildConfig, type RunOpts } from './run-config.js';
import { EXIT, envError, oneLine, usageError } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import {
  BEHAVIOURS,
  changeLines,
  nextProbe,
  parseReleaseSpec,
  pypiReleases,
  releasesInRange,
  shows,
  type Behaviour,
  type ReleaseRow,
} from '../local-noetl/release-spec.js';
import { defectsOf } from '../local-noetl/releases.js';
import { redact } from '../redact.js';
import { defaultReportDir } from '../render/reports.js';
import { startHeadless } from '../render/headless.js';
import { textTable } from '../render/lines.js';
import { ReportedRun } from '../run/reported-run.js';
import type { Snapshot } from '../model.js';

export interface ReleasesOpts extends RunOpts {
  bisect?: string;
}

/** The row of one release's finished run. */
function rowOf(release: string, snap: Snapshot, reportDir: string, reason: string, exitCode: number): ReleaseRow {
  const modes = snap.modes.filter((m) => m.executionId);
  const sum = (f: (m: Snapshot['modes'][number]) => number) => modes.reduce((n, m) => n + f(m), 0);
  const stalls = modes.flatMap((m) => m.stalls);
  const seconds = modes.map((m) => ((m.endedAt ?? snap.now) - (m.startedAt ?? snap.now)) / 1000);
  const stored = sum((m) => m.stats?.storedRows ?? 0);
  const failed = exitCode === EXIT.ENVIRONMENT || exitCode === EXIT.USAGE || !modes.length;
  return {
    release,
    verdict: modes.length ? [...new Set(modes.map((m) => m.verdict))].join('/') : 'not run',
    stalls: stalls.length,
    stallSeconds: Math.round(stalls.reduce((n, e) => n + ((e.endedAt ?? snap.now) - e.since) / 1000, 0)),
    cause:
      stalls.map((e) => e.cause).find(Boolean) ??
      modes.flatMap((m) => m.diagnosis?.causes ?? []).find((c) => c.confidence !== 'low')?.id ??
      null,
    rowsPerSecond: seconds.length && Math.max(...seconds) > 0 ? stored / Math.max(...seconds) : null,
    stored,
    expected: sum((m) => m.expected),
    missing: sum((m) => m.diff?.missingCount ?? 0),
    failures: sum((m) => m.failures),
    reportDir,
    ...(failed ? { error: reason } : {}),
  };
}

export function releaseTable(rows: ReleaseRow[]): string[] {
  const head = ['release', 'verdict', 'stalls', 'stalled s', 'cause', 'rows/s', 'stored', 'missing', 'known defects'];
  const cells = rows.map((r) => [
    r.release,
    r.error ? `not run: ${r.error}` : r.verdict,
    String(r.stalls),
    String(r.stallSeconds),
    r.cause ?? '-',
    r.rowsPerSecond === null ? '-' : r.rowsPerSecond.toFixed(2),
    `${r.stored}/${r.expected}`,
    String(r.missing),
    defectsOf(r.release)
      .map((d) => `${d.id} (fixed in ${d.fixedIn})`)
      .join(', ') || '-',
  ]);
  return textTable(head, cells, 60);
}

/** One release's run, headless, its reports under `dir`. */
async function runRelease(o: ReleasesOpts, release: string, dir: string, life: Lifecycle): Promise<ReleaseRow> {
  const config = buildConfig({ ...o, target: 'local', noetlVersion: release, reportDir: dir, repeat: undefined });
  const part = new Lifecycle(life);
  const run = new ReportedRun(config, part, undefined, true);
  part.whenInterrupted(() => run.orch.requestStop('interrupted'));
  const say = (s: string) => process.stdout.write(`[${release}] ${s}`);
  const headless = startHeadless(run.orch.store, { json: false, write: say, intervalMs: 10_000 });
  try {
    await run.run();
    headless.final(run.outcome, run.failedBeforeLaunch());
  } finally {
    await run.finish();
    await part.runCleanups();
  }
  return rowOf(release, run.orch.store.snapshot(), dir, run.outcome.reason, run.outcome.exitCode);
}

/** A release that could not be run, as a row that says why. */
const notRun = (release: string, err: unknown): ReleaseRow => ({
  release,
  verdict: 'not run',
  stalls: 0,
  stallSeconds: 0,
  cause: null,
  rowsPerSecond: null,
  stored: 0,
  expected: 0,
  missing: 0,
  failures: 0,
  reportDir: '',
  error: oneLine(err),
});

/** The options checked, and the releases to run (PyPI's, for a range). */
async function releasesOf(spec: string, o: ReleasesOpts): Promise<{ candidates: string[]; bisect?: Behaviour }> {
  const parsed = parseReleaseSpec(spec);
  if (o.target !== undefined && o.target !== 'local')
    throw usageError(`releases runs on --target local, not ${o.target}`, 'drop --target');
  if (o.repeat !== undefined || o.watch) throw usageError('releases runs each release once', 'drop --repeat');
  const bisect = o.bisect as Behaviour | undefined;
  if (bisect !== undefined && !BEHAVIOURS.includes(bisect))
    throw usageError(`--bisect ${JSON.stringify(o.bisect)}: not a behaviour`, `one of ${BEHAVIOURS.join(', ')}`);
  // Every option checked once before anything is installed (a bad flag fails in a second, not a release in).
  buildConfig({ ...o, target: 'local', noetlVersion: parsed.kind === 'list' ? parsed.releases[0] : parsed.from });
  if (parsed.kind === 'list') return { candidates: parsed.releases, bisect };
  const all = await pypiReleases().catch((err) => {
    throw envError(`could not list noetl's releases on PyPI: ${oneLine(err)}`, 'give a list instead: 2.8.4,2.8.5');
  });
  const candidates = releasesInRange(all, parsed.from, parsed.to);
  if (!candidates.length) throw usageError(`PyPI has no noetl release in ${parsed.from}..${parsed.to}`);
  process.stdout.write(`${candidates.length} releases in ${parsed.from}..${parsed.to}: ${candidates.join(', ')}\n`);
  return { candidates, bisect };
}

/** The table, the change, releases.md/json and the compare report across the releases that ran. */
async function writeResults(spec: string, base: string, rows: ReleaseRow[], judged: Behaviour, of: number) {
  const lines = ['', ...releaseTable(rows), '', ...changeLines(rows, judged)];
  if (rows.length < of) lines.push(`bisected: ${rows.length} of ${of} releases run`);
  writeFileSync(path.join(base, 'releases.json'), JSON.stringify({ spec, behaviour: judged, rows }, null, 2) + '\n');
  writeFileSync(
    path.join(base, 'releases.md'),
    [`# noetl-loadrun releases ${spec}`, '', '```', ...lines, '```', ''].join('\n'),
  );
  process.stdout.write(redact(lines.join('\n')) + '\n');
  const ran = rows.filter((r) => !r.error && r.reportDir);
  if (ran.length >= 2)
    await compareCommand(
      ran.map((r) => r.reportDir),
      { out: base },
    );
  process.stdout.write(`releases.md, releases.json and the compare report in ${base}\n`);
}

export async function releasesCommand(spec: string, o: ReleasesOpts): Promise<number> {
  const { candidates, bisect } = await releasesOf(spec, o);
  const base = path.resolve(o.reportDir ?? defaultReportDir().replace(/([^/]+)$/, 'releases_$1'));
  mkdirSync(base, { recursive: true });
  const life = new Lifecycle();
  let stopped = false;
  life.whenInterrupted(() => (stopped = true));
  const rows: ReleaseRow[] = [];
  const judged = bisect ?? 'stall';
  const order = () =>
    bisect ? nextProbe(candidates, rows, bisect) : candidates.find((v) => !rows.some((r) => r.release === v));
  for (let next = order(); next && !stopped; next = order()) {
    const release = next;
    process.stdout.write(`== noetl ${release}\n`);
    const row = await runRelease(o, release, path.join(base, `noetl-${release}`), life).catch((err) =>
      notRun(release, err),
    );
    rows.push(row);
    process.stdout.write(
      `== noetl ${release}: ${row.error ? `not run (${row.error})` : `${row.verdict}, ${row.stalls} stall(s)`}\n`,
    );
  }
  await life.runCleanups();
  rows.sort((a, b) => candidates.indexOf(a.release) - candidates.indexOf(b.release));
  await writeResults(spec, base, rows, judged, bisect ? candidates.length : rows.length);
  if (stopped) return EXIT.INTERRUPTED;
  if (rows.every((r) => r.error)) return EXIT.ENVIRONMENT;
  return rows.some((r) => shows(r, judged)) ? EXIT.BREACHED : EXIT.OK;
}
