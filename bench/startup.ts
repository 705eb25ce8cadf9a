// Start-up (issue #27 goal 4): `--help` and `--version` from the packed package as installed (its bin run
// through its shebang, dist/), `npm start -- --help` from this clone, and the TUI's first frame when the server is already up
// (`watch` of a running execution, in a tmux 120×40 terminal), each beside `kubectl version --client` and a
// bare `node -e 0` measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'noetl-loadrun.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r0 = (n: number) => Math.round(n);

/** Median wall time (ms) of `n` runs of a command, its output discarded; null when it cannot run. */
function timed(cmd: string, args: string[], n: number, cwd = ROOT): number | null {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    if (r.error || r.status !== 0) return null;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return r0(median(ms));
}

/** The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty folder. */
function installPacked(log: (s: string) => void): { bin: string; cleanup: () => void } | { skipped: string } {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'bench-pack-'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'bench-inst-'));
  const hadDist = existsSync(path.join(ROOT, 'dist'));
  const cleanup = () => {
    rmSync(dest, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    // npm pack builds dist/ in the clone; a dist/ the bench made is removed, so `npm start` keeps running the sources.
    if (!hadDist) rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  };
  try {
    execFileSync('npm', ['pack', '--pack-destination', dest], { cwd: ROOT, stdio: 'ignore' });
    const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'))!;
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dest, tgz)], {
      cwd: home,
      stdio: 'ignore',
    });
    log(`  installed ${tgz} into ${home}`);
    return { bin: path.join(home, 'node_modules', 'noetl-loadrun', 'bin', 'noetl-loadrun.js'), cleanup };
  } catch (err) {
    cleanup();
    return { skipped: `npm pack or install failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** The resident memory (MB) of a process, from /proc; null where there is none. */
function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Milliseconds from starting the tool in a fresh tmux 120×40 terminal to the first frame on it (the pane
 * holds text), and the tool's resident memory then, medians of `n`; `args` watch an execution on a server
 * that is already up. `env` is added to the tool's environment.
 */
export async function firstFrame(
  bin: string,
  args: string[],
  n = 5,
  env: string[] = [],
): Promise<{ ms: number | null; rssMb: number | null }> {
  const ms: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < n; i++) {
    const socket = `bench-frame-${process.pid}-${i}`;
    const cmd = ['exec', 'env', '-u', 'CI', ...env, bin, ...args].map((a) => `'${a}'`).join(' ');
    const t0 = Date.now();
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', cmd]);
    try {
      let shown = false;
      while (!shown && Date.now() - t0 < 30_000) {
        await sleep(10);
        const pane = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', 'b'], { encoding: 'utf8' });
        shown = /\S/.test(pane);
      }
      if (shown) {
        ms.push(Date.now() - t0);
        const pid = Number(
          execFileSync('tmux', ['-L', socket, 'display', '-p', '-t', 'b', '#{pane_pid}'], { encoding: 'utf8' }),
        );
        const mb = rssMb(pid);
        if (mb !== null) rss.push(mb);
      }
      execFileSync('tmux', ['-L', socket, 'send-keys', '-t', 'b', 'q']);
      await sleep(1500);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    }
  }
  return { ms: ms.length ? median(ms) : null, rssMb: rss.length ? median(rss) : null };
}

export interface StartupFigures {
  nodeBare: number | null;
  packedHelp: number | null;
  packedVersion: number | null;
  cloneNpmStartHelp: number | null;
  kubectlVersionClient: number | null;
  /** The packed package's first frame (its bin through its shebang), and its RSS then. */
  firstFrame: number | null;
  firstFrameRssMb?: number | null;
  /** The same from this clone's bin after `npm install` (which builds dist/: the prepare script). */
  cloneFirstFrame?: number | null;
  cloneFirstFrameRssMb?: number | null;
  /** The clone's bin running the TypeScript sources through tsx (a dist/ older than them, or none). */
  cloneSourcesFirstFrame?: number | null;
  cloneSourcesFirstFrameRssMb?: number | null;
  skipped?: string;
}

/** Goal 4, with `frameArgs` watching an execution on a running server for the first-frame figure. */
export async function startupCost(log: (s: string) => void, frameArgs: string[]): Promise<StartupFigures> {
  const packed = installPacked(log);
  const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
  try {
    const out: StartupFigures = {
      nodeBare: timed(process.execPath, ['-e', '0'], 10),
      packedHelp: 'bin' in packed ? timed(packed.bin, ['--help'], 10) : null,
      packedVersion: 'bin' in packed ? timed(packed.bin, ['--version'], 10) : null,
      cloneNpmStartHelp: timed('npm', ['start', '--silent', '--', '--help'], 5),
      kubectlVersionClient: hasKubectl ? timed('kubectl', ['version', '--client'], 10) : null,
      firstFrame: null,
      ...('skipped' in packed ? { skipped: packed.skipped } : {}),
    };
    const p = await firstFrame('bin' in packed ? packed.bin : BIN, frameArgs);
    const clone = await firstFrame(BIN, frameArgs);
    const sources = await firstFrame(BIN, frameArgs, 3, ['NOETL_LOADRUN_FROM_SOURCE=1']);
    Object.assign(out, {
      firstFrame: p.ms,
      firstFrameRssMb: p.rssMb,
      cloneFirstFrame: clone.ms,
      cloneFirstFrameRssMb: clone.rssMb,
      cloneSourcesFirstFrame: sources.ms,
      cloneSourcesFirstFrameRssMb: sources.rssMb,
    });
    log(`  start-up (median ms): ${JSON.stringify(out)}`);
    return out;
  } finally {
    if ('cleanup' in packed) packed.cleanup();
  }
}
