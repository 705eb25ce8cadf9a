// REAL-ENGINES.md's recorded runs, made by running them: each scenario is the real CLI on the real legacy
// engine (--target local), its summary.json read back into one row, the rows kept in
// bench/results/real-engines.json and written between the markers of REAL-ENGINES.md. A run that times out
// is a result too. Like the bench, run by hand (minutes to an hour, by the scenarios chosen):
//
//   npx tsx scripts/real-engines.ts                 # every scenario
//   npx tsx scripts/real-engines.ts smoke sweep     # some of them (ids below), the others' rows kept
//   npx tsx scripts/real-engines.ts --write-only    # REAL-ENGINES.md again from the saved rows
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
}

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
}

/** The engine's worker processes of a run, found by their working folder (the run's own). */
function workerPids(dir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return (
          readlinkSync(`/proc/${d}/cwd`) === dir && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('noetl.worker')
        );
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
}

async function runScenario(s: Scenario, out: string): Promise<{ exit: number | null; seconds: number }> {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      BIN,
      ...(s.args[0] === 'sweep' ? ['sweep'] : []),
      '--target',
      'local',
      ...s.args.filter((a) => a !== 'sweep'),
      '--no-tui',
      '--report-dir',
      out,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  let killed = false;
  const onData = (d: Buffer) => {
    text += d;
    if (s.killWorkerAt && !killed && new RegExp(`stored ([${s.killWorkerAt}-9]|\\d{2,})\\d*/`).test(text)) {
      const dir = /\(logs in (\/\S+)\)/.exec(text)?.[1];
      const pids = dir ? workerPids(dir) : [];
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
  if (summary.kind !== 'sweep') return { ...base, release: releaseOf(summary), ...cellsOf(summary) };
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
    '| release | scenario | run | exit | verdicts | stored | causes named | engine CPU (server, workers) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.release} | ${esc(r.title)} | ${r.date}, ${r.seconds} s | ${r.exit ?? 'killed'} | ${esc(r.verdicts)} | ${esc(r.stored)} | ${esc(r.causes)} | ${esc(r.engine)} |`,
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
        const row = rowOf(s, out, await runScenario(s, out));
        const at = saved.findIndex((r) => r.id === s.id);
        if (at >= 0) saved[at] = row;
        else saved.push(row);
        process.stdout.write(`  ${row.verdicts} · ${row.causes}\n`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      writeFileSync(RESULTS, JSON.stringify(saved, null, 2) + '\n');
    }
  }
  const order = (r: Row) => SCENARIOS.findIndex((s) => s.id === r.id);
  writeDoc([...saved].sort((a, b) => order(a) - order(b)));
  process.stdout.write(`REAL-ENGINES.md written from ${saved.length} recorded run(s)\n`);
}

await main();
