// The real tool on real sandbox runs (issue 17, goals 1-3): its CPU with the TUI and headless on the
// fixture-size run beside btop, a 20,000-item run against a 200-item one (RSS, poll cost, diff time,
// frame cost, all from the tool's own summary.json), and a quiet run's API and SQL calls per mode.
// Each run starts its own embedded sandbox as the tool's child; CPU is the tool's process only.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './peers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'noetl-loadrun.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (n: number) => Math.round(n * 10) / 10;

/** 3,000 items of 8 KB per mode with 200 ms echo latency: the run issue 17 measured by hand. */
export const FIXTURE_RUN = [
  '--seed-rows',
  '3000',
  '--payload-kb',
  '8',
  '--sandbox-fault',
  'latency',
  '--latency-ms',
  '200',
];

export interface ToolRun {
  /** The tool's CPU (% of one core) over the window, its own process only (not the sandbox). */
  cpuPercent: number | null;
  windowSeconds: number;
  wallSeconds: number;
  summary: Record<string, any> | null;
}

/**
 * One run of the CLI: under a tmux 120×40 terminal with its TUI (`tui`), or headless. The CPU window opens
 * `settleS` after the report folder appears (something launched) and lasts `windowS` or until the run ends.
 */
export async function runTool(
  args: string[],
  o: { tui: boolean; windowS: number; settleS?: number; maxS?: number },
): Promise<ToolRun> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-live-')), 'r');
  const argv = [BIN, ...args, '--report-dir', dir, ...(o.tui ? [] : ['--no-tui'])];
  const socket = `bench-live-${process.pid}-${Date.now()}`;
  let pid: number;
  let exited = () => !existsSync(`/proc/${pid}`);
  if (o.tui) {
    const cmd = ['exec', 'env', '-u', 'CI', process.execPath, ...argv].map((a) => `'${a}'`).join(' ');
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', cmd]);
    pid = Number(execFileSync('tmux', ['-L', socket, 'display', '-p', '-t', 'b', '#{pane_pid}']).toString().trim());
  } else {
    const c = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    pid = c.pid!;
    let done = false;
    c.on('close', () => (done = true));
    exited = () => done;
  }
  const t0 = Date.now();
  const summaryFile = path.join(dir, 'summary.json');
  // The run ended: its outcome record is the last line of events.ndjson (the TUI writes summary.json on q).
  const ended = () => existsSync(summaryFile) || tail(path.join(dir, 'events.ndjson')).includes('"kind":"outcome"');
  const deadline = t0 + (o.maxS ?? 900) * 1000;
  try {
    while (!existsSync(path.join(dir, 'events.ndjson')) && !exited() && Date.now() < deadline) await sleep(200);
    await sleep((o.settleS ?? 3) * 1000);
    let cpu: number | null = null;
    let window = 0;
    if (!exited()) {
      const c0 = cpuSeconds(pid);
      const w0 = Date.now();
      let c1 = c0;
      while (Date.now() - w0 < o.windowS * 1000 && !ended() && !exited()) {
        await sleep(500);
        c1 = exited() ? c1 : cpuSeconds(pid);
      }
      window = (Date.now() - w0) / 1000;
      cpu = r1(((c1 - c0) / window) * 100);
    }
    while (!ended() && !exited() && Date.now() < deadline) await sleep(500);
    await stop(o.tui, socket, pid, exited);
    return {
      cpuPercent: cpu,
      windowSeconds: r1(window),
      wallSeconds: r1((Date.now() - t0) / 1000),
      summary: existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : null,
    };
  } finally {
    await stop(o.tui, socket, pid, exited);
  }
}

/** The last bytes of a file ('' when it does not exist yet). */
function tail(file: string): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, buf, 0, buf.length, Math.max(0, size - buf.length));
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Leaves the finished screen with q (a run still going gets Ctrl-C); waits for the tool to clean up. */
async function stop(tui: boolean, socket: string, pid: number, exited: () => boolean): Promise<void> {
  try {
    if (tui && !exited()) execFileSync('tmux', ['-L', socket, 'send-keys', '-t', 'b', 'q']);
    else if (!exited()) process.kill(pid, 'SIGINT');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 300 && !exited(); i++) await sleep(100);
  if (!exited()) process.kill(pid, 'SIGKILL');
  if (tui) {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  }
}

/** Goal 1 on a real run: the tool with its TUI and headless, each over the same window. */
export async function fixtureCost(log: (s: string) => void, windowS: number) {
  const tui = await runTool(FIXTURE_RUN, { tui: true, windowS });
  log(
    `  fixture run, TUI: cpu ${tui.cpuPercent}% over ${tui.windowSeconds} s; frames ${tui.summary?.observer?.frames} at ${tui.summary?.observer?.frame_ms} ms`,
  );
  const headless = await runTool(FIXTURE_RUN, { tui: false, windowS });
  log(`  fixture run, headless: cpu ${headless.cpuPercent}% over ${headless.windowSeconds} s`);
  return { args: FIXTURE_RUN.join(' '), tui: brief(tui), headless: brief(headless) };
}

/** Goal 2: a 20,000-item run at 1 KB (both modes) against a 200-item one, with the TUI on. */
export async function scaleRuns(log: (s: string) => void, items: number, passes = 2) {
  // The chunked mode covers every item too: 40 chunk windows (batch size items / 40).
  const args = (n: number) => [
    '--seed-rows',
    String(n),
    '--payload-kb',
    '1',
    '--batch-size',
    String(Math.ceil(n / 40)),
    '--max-batches',
    '40',
    '--timeout',
    '40m',
  ];
  const small = await runTool(args(200), { tui: true, windowS: 10 });
  log(`  200 items: ${JSON.stringify(small.summary?.observer)}`);
  // The large run more than once: its RSS and frame figures move by tens of percent from run to run.
  const bigs = [];
  for (let pass = 1; pass <= passes; pass++) {
    const big = await runTool(args(items), { tui: true, windowS: 30, maxS: 2700 });
    log(`  ${items} items, pass ${pass} (${big.wallSeconds} s): ${JSON.stringify(big.summary?.observer)}`);
    bigs.push(brief(big));
  }
  return { items, small: brief(small), big: bigs[0], passes: bigs };
}

/**
 * Goal 3: a run where nothing moves for most of its life (every item waits 20 s on the endpoint). The
 * quiet figures are the tool's own tally of the poll rounds that saw nothing move (summary.json).
 */
export async function quietRun(log: (s: string) => void) {
  const q = await runTool(
    [
      '--seed-rows',
      '4',
      '--payload-kb',
      '1',
      '--sandbox-fault',
      'latency',
      '--latency-ms',
      '20000',
      '--poll-interval',
      '1',
    ],
    { tui: false, windowS: 1 },
  );
  const o = q.summary?.observer ?? {};
  const out = {
    seconds: o.seconds,
    quietSeconds: o.quiet_seconds,
    apiPerSecondPerMode: o.quiet_api_calls_per_second_per_mode,
    sqlPerSecondPerMode: o.quiet_sql_queries_per_second_per_mode,
    wholeRun: { apiCalls: o.api_calls, sqlQueries: o.sql_queries },
    verdicts: q.summary?.modes?.map((m: any) => m.verdict),
  };
  log(
    `  quiet run (${o.quiet_seconds} of ${o.seconds} s quiet): ${out.apiPerSecondPerMode} API calls/s and ${out.sqlPerSecondPerMode} SQL queries/s per mode`,
  );
  return out;
}

const brief = (r: ToolRun) => ({
  cpuPercent: r.cpuPercent,
  windowSeconds: r.windowSeconds,
  wallSeconds: r.wallSeconds,
  observer: r.summary?.observer ?? null,
  verdicts: r.summary?.modes?.map((m: any) => `${m.mode} ${m.verdict}`) ?? null,
});
