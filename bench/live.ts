// The real tool on real sandbox runs (issue 17, goals 1-3): its CPU with the TUI and headless on the
// fixture-size run beside btop, a 20,000-item run against a 200-item one (RSS, poll cost, diff time,
// frame cost, all from the tool's own summary.json), and a quiet run's API and SQL calls per mode.
// Each run starts its own embedded sandbox as the tool's child; CPU is the tool's process only.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, startBtop } from './peers.js';
import { keepFirstProfile, OBSERVER_STAGES, stages } from './profile.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'noetl-loadrun.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (n: number) => Math.round(n * 10) / 10;
/** The node flags the bin's shebang gives (`#!/usr/bin/env -S node <flags>`). */
export const SHEBANG_FLAGS = readFileSync(BIN, 'utf8').split('\n')[0].split(/\s+/).slice(3);
const log0 = (s: string) => process.stdout.write(`${s}\n`);

/**
 * 3,000 items of 8 KB per mode with 200 ms echo latency: the run issue 17 measured by hand. Per mode: the
 * chunked mode covers the same 3,000 items (6 windows of 500; the preset's 40 × 6 stored 240).
 */
export const FIXTURE_RUN = [
  '--seed-rows',
  '3000',
  '--payload-kb',
  '8',
  '--batch-size',
  '500',
  '--max-batches',
  '6',
  '--sandbox-fault',
  'latency',
  '--latency-ms',
  '200',
];

export interface ToolRun {
  /** The tool's CPU (% of one core) over the window, its own process only (not the sandbox). */
  cpuPercent: number | null;
  /** btop's, over the same window, when it ran beside the tool. */
  btopPercent?: number | null;
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
  o: { tui: boolean; windowS: number; settleS?: number; maxS?: number; btop?: boolean; nodeArgs?: string[] },
): Promise<ToolRun> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-live-')), 'r');
  // As installed: node with the flags of the bin's shebang (and any of the bench's own), then the bin.
  const argv = [
    ...SHEBANG_FLAGS,
    ...(o.nodeArgs ?? []),
    BIN,
    ...args,
    '--report-dir',
    dir,
    ...(o.tui ? [] : ['--no-tui']),
  ];
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
    let btopCpu: number | null | undefined;
    let window = 0;
    if (!exited()) {
      // btop beside the tool over the same window, from its own 2 s warm-up on.
      const btop = o.btop ? startBtop() : undefined;
      if (btop && 'pid' in btop) await sleep(2000);
      const b0 = btop && 'pid' in btop ? cpuSeconds(btop.pid) : 0;
      const c0 = cpuSeconds(pid);
      const w0 = Date.now();
      let c1 = c0;
      while (Date.now() - w0 < o.windowS * 1000 && !ended() && !exited()) {
        await sleep(500);
        c1 = exited() ? c1 : cpuSeconds(pid);
      }
      window = (Date.now() - w0) / 1000;
      cpu = r1(((c1 - c0) / window) * 100);
      if (btop && 'pid' in btop) {
        btopCpu = r1(((cpuSeconds(btop.pid) - b0) / window) * 100);
        btop.stop();
      } else if (btop) btopCpu = null;
    }
    while (!ended() && !exited() && Date.now() < deadline) await sleep(500);
    await stop(o.tui, socket, pid, exited);
    return {
      cpuPercent: cpu,
      btopPercent: btopCpu,
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

/**
 * Issue #27 goal 1 on the named workload: the tool with its TUI and headless, each with btop beside it
 * over the same window; then headless once more under --cpu-prof (not a measured sample), reduced to the
 * observer's stages, the profile kept in bench/results/profile/. The fixture preset run's RSS (goal 3).
 */
export async function fixtureCost(log: (s: string) => void, windowS: number) {
  const tui = await runTool(FIXTURE_RUN, { tui: true, windowS, settleS: 6, btop: true });
  log(`  named workload, TUI: cpu ${tui.cpuPercent}% beside btop ${tui.btopPercent}% over ${tui.windowSeconds} s`);
  const headless = await runTool(FIXTURE_RUN, { tui: false, windowS, settleS: 6, btop: true });
  log(`  named workload, headless: cpu ${headless.cpuPercent}% beside btop ${headless.btopPercent}%`);
  const profile = await observerProfile(windowS);
  const presetTui = await runTool([], { tui: true, windowS: 10 });
  const presetHeadless = await runTool([], { tui: false, windowS: 10 });
  log(
    `  fixture preset RSS max: TUI ${presetTui.summary?.observer?.rss_mb_max} MB, headless ${presetHeadless.summary?.observer?.rss_mb_max} MB`,
  );
  return {
    args: FIXTURE_RUN.join(' '),
    tui: brief(tui),
    headless: brief(headless),
    profile,
    preset: { tui: brief(presetTui), headless: brief(presetHeadless) },
  };
}

async function observerProfile(windowS: number) {
  const results = path.join(ROOT, 'bench', 'results', 'profile');
  mkdirSync(results, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-prof-'));
  await runTool(FIXTURE_RUN, { tui: false, windowS, settleS: 6, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  // The tool's own process writes the profile (the sandbox is a process of its own, started without the flag).
  const kept = keepFirstProfile(dir, path.join(results, 'observer-named-workload.cpuprofile'));
  if (!kept) return { skipped: 'no profile was written' };
  const st = stages(kept, 8000, OBSERVER_STAGES);
  log0(
    `  observer profile: ${st.stages
      .slice(0, 6)
      .map((x) => `${x.stage} ${x.share}%`)
      .join(', ')}`,
  );
  return { file: path.relative(ROOT, kept), ...st };
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
  btopPercent: r.btopPercent,
  windowSeconds: r.windowSeconds,
  wallSeconds: r.wallSeconds,
  observer: r.summary?.observer ?? null,
  verdicts: r.summary?.modes?.map((m: any) => `${m.mode} ${m.verdict}`) ?? null,
});
