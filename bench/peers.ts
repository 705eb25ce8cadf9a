// Peers measured beside the tool in the same bench run: btop, a native full-screen dashboard, in the same
// tmux 120×40 terminal with update_ms = 100 (installed from Debian when missing, else skipped and said so).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds a process used so far (utime + stime from /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function haveBtop(): boolean {
  try {
    execFileSync('btop', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'btop'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      return true;
    } catch {
      return false;
    }
  }
}

/** btop started in its own tmux 120×40 terminal, redrawing every 100 ms; `stop()` ends it. */
export function startBtop(): { pid: number; stop: () => void } | { skipped: string } {
  if (!haveBtop()) return { skipped: 'btop is not installed and could not be installed from Debian' };
  const conf = mkdtempSync(path.join(os.tmpdir(), 'bench-btop-'));
  mkdirSync(path.join(conf, 'btop'));
  writeFileSync(path.join(conf, 'btop', 'btop.conf'), 'update_ms = 100\n');
  const socket = `bench-btop-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args]).toString();
  tmux('new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', `exec env XDG_CONFIG_HOME=${conf} btop`);
  const pid = Number(tmux('display', '-p', '-t', 'b', '#{pane_pid}').trim());
  return {
    pid,
    stop: () => {
      try {
        tmux('kill-server');
      } catch {
        /* gone */
      }
    },
  };
}

/** btop's CPU share (% of one core) over `seconds` after a 2 s warm-up, redrawing every 100 ms. */
export async function btopCost(
  seconds: number,
): Promise<{ cpuPercent: number; updateMs: number } | { skipped: string }> {
  const btop = startBtop();
  if ('skipped' in btop) return btop;
  try {
    await sleep(2000);
    if (!existsSync(`/proc/${btop.pid}`)) return { skipped: 'btop exited at once' };
    const c0 = cpuSeconds(btop.pid);
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const cpu = cpuSeconds(btop.pid) - c0;
    return { cpuPercent: Math.round((cpu / ((Date.now() - t0) / 1000)) * 1000) / 10, updateMs: 100 };
  } finally {
    btop.stop();
  }
}
