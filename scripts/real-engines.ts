// REAL-ENGINES.md's recorded runs, made by running them: each scenario is the real CLI on the real legacy
// engine (--target local), its summary.json read back into one row, the rows kept in
// bench/results/real-engines.json and written between the markers of REAL-ENGINES.md. A run that times out
// is a result too. Like the bench, run by hand (minutes to an hour, by the scenarios chosen):
//
//   npx tsx scripts/real-engines.ts                 # every scenario
//   npx tsx scripts/real-engines.ts smoke sweep     # some of them (ids below), the others' rows kept
//   npx tsx scripts/real-engines.ts --write-only    # REAL-ENGINES.md again from the saved rows
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerPidsIn } from '../src/local-noetl/processes.js';
import { defectsOf } from '../src/local-noetl/releases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'noetl-loadrun.js');
const RESULTS = path.join(ROOT, 'bench', 'results', 'real-engines.json');
const DOC = path.join(ROOT, 'REAL-ENGINES.md');
const START = '<!-- recorded runs: scripts/real-engines.ts writes below -->';
const END = '<!-- end of recorded runs -->';

interface Scenario {
  id: string;
  title: string;
  args: string[];
  /** Wall-clock limit of the whole command, in seconds. */
  limit: number;
  /** Kill the second worker once this many rows are stored. */
  killWorkerAt?: number;
  /** Environment for the tool, which the local engine's server and workers inherit. */
  env?: Record<string, string>;
}

/** A command given first in a scenario's args (with its positional argument, for `releases`). */
const COMMANDS: Record<string, number> = { sweep: 1, releases: 2 };

const SCENARIOS: Scenario[] = [
  {
    id: 'small',
    title: 'bundled pair, 12 items of 8 KB, batch 4 × 3, both modes',
    args: ['--seed-rows', '12', '--payload-kb', '8', '--batch-size', '4', '--max-batches', '3', '--timeout', '300'],
    limit: 420,
  },
  {
    id: 'direct-64kb',
    title: 'direct_stress, 24 items of 64 KB',
    args: ['--modes', 'direct_stress', '--seed-rows', '24', '--payload-kb', '64', '--timeout', '900'],
    limit: 1000,
  },
  {
    id: 'sweep',
    title: 'payload sweep, direct_stress, 4 items each of 8, 16, 32, 64 KB',
    args: ['sweep', '--modes', 'direct_stress', '--seed-rows', '4', '--payload-kb', '8,16,32,64', '--timeout', '600'],
    limit: 1500,
  },
  {
    id: 'worker-killed',
    title: 'direct_stress, 24 items of 16 KB, the second of two workers SIGKILLed once rows are stored',
    args: ['--modes', 'direct_stress', '--seed-rows', '24', '--payload-kb', '16', '--stall-seconds', '30'],
    limit: 400,
    killWorkerAt: 1,
  },
  {
    id: 'starved',
    title: 'both modes on one worker, 16 items of 64 KB, batch 8 × 2',
    args: [
      ...['--workers', '1', '--seed-rows', '16', '--payload-kb', '64', '--batch-size', '8', '--max-batches', '2'],
      ...['--timeout', '300'],
    ],
    limit: 400,
  },
  {
    id: 'releases',
    title: 'chunked_optimal, 120 items of 16 KB in 3 windows of 40, the playbook tool timeout 75 s',
    args: [
      ...['releases', '2.8.3,2.8.4,2.8.5,2.8.6', '--modes', 'chunked_optimal', '--seed-rows', '120'],
      ...[
        '--batch-size',
        '40',
        '--max-batches',
        '3',
        '--payload-kb',
        '16',
        '--child-timeout',
        '75s',
        '--timeout',
        '600',
      ],
    ],
    limit: 2400,
  },
  {
    id: 'ghost-in-flight',
    title:
      'direct_stress, 120 items of 16 KB (max_in_flight 20), the second of two workers SIGKILLed once rows are stored: #322 (fixed in 2.10.37)',
    args: [
      ...['releases', '2.10.36,2.10.37', '--modes', 'direct_stress', '--seed-rows', '120', '--payload-kb', '16'],
      ...['--stall-seconds', '30', '--timeout', '300'],
    ],
    limit: 800,
    killWorkerAt: 5,
  },
  {
    id: 'loop-counters',
    title:
      'direct_stress, 40 items of 1 KB (one loop, max_in_flight 20), judged on missing items: #336 (fixed in 2.12.2) and #339 (fixed in 2.12.5)',
    args: [
      ...['releases', '2.12.1,2.12.2,2.12.5', '--bisect', 'missing', '--modes', 'direct_stress', '--seed-rows', '40'],
      ...['--payload-kb', '1', '--stall-seconds', '20', '--timeout', '240'],
    ],
    limit: 900,
  },
  {
    id: 'smoke',
    title: 'the smoke preset: 120 items of 220 KB, batch 30 × 4, both modes',
    args: ['--preset', 'smoke', '--timeout', '600'],
    limit: 700,
  },
];

interface Row {
  id: string;
  title: string;
  release: string;
  date: string;
  seconds: number;
  exit: number | null;
  verdicts: string;
  stored: string;
  causes: string;
  engine: string;
  growth?: string;
  /** The defects known for the release, with the commit that explains them (RELEASE_DEFECTS). */
  explains?: string;
}

async function runScenario(s: Scenario, out: string): Promise<{ exit: number | null; seconds: number }> {
  const t0 = Date.now();
  const command = s.args.slice(0, COMMANDS[s.args[0]] ?? 0);
  const child = spawn(
    process.execPath,
    [BIN, ...command, '--target', 'local', ...s.args.slice(command.length), '--no-tui', '--report-dir', out],
    {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', ...s.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  let killed = false;
  const onData = (d: Buffer) => {
    // A `releases` scenario kills a worker in each release's run: a new run (its `== noetl x.y.z` line)
    // starts the watch again, from that line on.
    const chunk = String(d);
    const start = chunk.search(/^== noetl \S+$/m);
    if (start >= 0) {
      killed = false;
      text = chunk.slice(start);
    } else text += chunk;
    if (s.killWorkerAt && !killed && new RegExp(`stored ([${s.killWorkerAt}-9]|\\d{2,})\\d*/`).test(text)) {
      const dir = /\(logs in (\/\S+)\)/.exec(text)?.[1];
      const pids = dir ? workerPidsIn(dir) : [];
      if (pids[1]) {
        process.kill(pids[1], 'SIGKILL');
        killed = true;
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGINT'), s.limit * 1000);
  const exit = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(timer);
  return { exit, seconds: Math.round((Date.now() - t0) / 1000) };
}

type Summary = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One run's summary as the table's cells. */
function cellsOf(s: Summary): Pick<Row, 'verdicts' | 'stored' | 'causes' | 'engine'> {
  const modes = s.modes as Summary[];
  const causes = modes.map(
    (m) =>
      `${m.mode}: ${(m.diagnosis?.causes ?? []).map((c: Summary) => `${c.id} (${c.confidence})`).join(', ') || 'none'}`,
  );
  const hot = (modes.flatMap((m) => m.diagnosis?.causes ?? []) as Summary[])
    .flatMap((c) => c.evidence as string[])
    .find((l) => l.startsWith('hottest functions'));
  const engine = ((s.pods ?? []) as Summary[])
    .filter((p) => p.role === 'server' || p.role === 'worker')
    .map((p) => `${p.name} ${p.cpu_seconds ?? '?'} CPU-s${p.exited ? ` (${p.exited})` : ''}`)
    .join(', ');
  return {
    verdicts: modes.map((m) => `${m.mode} ${String(m.verdict).toUpperCase()}`).join(', '),
    stored: modes.map((m) => `${m.stored_rows}/${m.expected_rows}`).join(', '),
    causes: causes.join('; '),
    engine: engine + (hot ? `; ${hot}` : ''),
  };
}

/** The defects a release holds, each with the commit that fixed it. */
const explains = (release: string) =>
  defectsOf(release)
    .map((d) => `${d.id}: fixed by ${d.fix} in ${d.fixedIn}`)
    .join('; ') || 'none known';

/** A `releases` scenario: one row per release run, from its own report folder. */
function releaseRows(s: Scenario, out: string, done: { exit: number | null; seconds: number }): Row[] {
  const file = path.join(out, 'releases.json');
  if (!existsSync(file)) return [rowOf(s, out, done)];
  const rows = JSON.parse(readFileSync(file, 'utf8')).rows as Summary[];
  return rows.map((r) => {
    const dir = String(r.reportDir || '');
    const one = dir && existsSync(path.join(dir, 'summary.json')) ? rowOf(s, dir, done) : rowOf(s, out, done);
    const episodes = r.stalls ? `, ${r.stalls} stall episode(s), ${r.stallSeconds} s stalled` : ', no stall';
    // The release's own run: from its launch to its last mode's end (the scenario's time is all of them).
    const file = dir ? path.join(dir, 'summary.json') : '';
    const modes = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).modes as Summary[]) : [];
    const own = Math.max(0, ...modes.map((m) => Number(m.duration_seconds ?? 0)));
    return {
      ...one,
      ...(own ? { seconds: Math.round(own) } : {}),
      id: `${s.id}:${r.release}`,
      release: String(r.release),
      verdicts: r.error ? `not run: ${r.error}` : `${one.verdicts}${episodes}`,
      explains: explains(String(r.release)),
    };
  });
}

function rowOf(s: Scenario, out: string, done: { exit: number | null; seconds: number }): Row {
  const base = {
    id: s.id,
    title: s.title,
    date: new Date().toISOString().slice(0, 10),
    seconds: done.seconds,
    exit: done.exit,
  };
  const file = path.join(out, 'summary.json');
  if (!existsSync(file))
    return {
      ...base,
      release: '4.26.0',
      verdicts: 'no summary (the run was cut short)',
      stored: '—',
      causes: '—',
      engine: '—',
    };
  const summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
  if (summary.kind !== 'sweep') {
    const release = releaseOf(summary);
    return { ...base, release, ...cellsOf(summary), explains: explains(release) };
  }
  // A sweep: the biggest cell's run stands for the diagnosis, the growth line for the sweep.
  const cells = summary.cells as Summary[];
  const big = cells[cells.length - 1];
  const run = JSON.parse(readFileSync(path.join(out, big.runs[0].dir, 'summary.json'), 'utf8')) as Summary;
  const perItem = cells.map((c) => `${c.payload_kb} KB: ${c.median_cpu_seconds_per_item ?? '?'} CPU-s/item`).join(', ');
  return {
    ...base,
    release: releaseOf(run),
    ...cellsOf(run),
    stored: cells
      .map((c) => `${c.payload_kb} KB ${c.runs[0]?.stored_rows ?? 0}/${c.runs[0]?.expected_rows ?? '?'}`)
      .join(', '),
    growth: `${summary.payload_growth?.text ?? 'no growth fitted'} (${perItem})`,
  };
}

const releaseOf = (s: Summary) => /(\d+\.\d+\.\d+)/.exec(String(s.target?.dialect ?? ''))?.[1] ?? '?';

function markdown(rows: Row[]): string {
  const esc = (x: string) => x.replace(/\|/g, '\\|');
  const lines = [
    START,
    '',
    '| release | scenario | run | exit | verdicts | stored | causes named | engine CPU (server, workers) | known defects of the release |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.release} | ${esc(r.title)} | ${r.date}, ${r.seconds} s | ${r.exit ?? 'killed'} | ${esc(r.verdicts)} | ${esc(r.stored)} | ${esc(r.causes)} | ${esc(r.engine)} | ${esc(r.explains ?? explains(r.release))} |`,
    ),
    '',
    ...rows.filter((r) => r.growth).map((r) => `- ${r.title}: ${r.growth}.`),
    '',
    END,
  ];
  return lines.join('\n');
}

function writeDoc(rows: Row[]): void {
  const doc = readFileSync(DOC, 'utf8');
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  if (i < 0 || j < 0) throw new Error(`REAL-ENGINES.md lacks the markers ${START} … ${END}`);
  writeFileSync(DOC, doc.slice(0, i) + markdown(rows) + doc.slice(j + END.length));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const saved: Row[] = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : [];
  if (!args.includes('--write-only')) {
    const chosen = args.length ? SCENARIOS.filter((s) => args.includes(s.id)) : SCENARIOS;
    for (const s of chosen) {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadrun-real-engines-'));
      const out = path.join(tmp, 'r');
      process.stdout.write(`${s.id}: ${s.title} …\n`);
      try {
        const done = await runScenario(s, out);
        const rows = s.args[0] === 'releases' ? releaseRows(s, out, done) : [rowOf(s, out, done)];
        for (const row of rows) {
          const at = saved.findIndex((r) => r.id === row.id);
          if (at >= 0) saved[at] = row;
          else saved.push(row);
          process.stdout.write(`  ${row.release}: ${row.verdicts} · ${row.causes}\n`);
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      writeFileSync(RESULTS, JSON.stringify(saved, null, 2) + '\n');
    }
  }
  const order = (r: Row) => SCENARIOS.findIndex((s) => s.id === r.id.split(':')[0]);
  writeDoc([...saved].sort((a, b) => order(a) - order(b)));
  process.stdout.write(`REAL-ENGINES.md written from ${saved.length} recorded run(s)\n`);
}

await main();
