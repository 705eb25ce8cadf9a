// The local NoETL's child processes: each in its own process group (killed whole, and at exit as a last
// resort), its output appended to a log file, and waits that end early when the process dies.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { envError, lastLines } from '../errors.js';
import { killGroup, trackGroup } from '../process-group.js';

export interface LoggedProcess {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  readonly running: boolean;
  /** Why it ended (`exited with 1`, `killed by SIGKILL`), once it has. */
  readonly endedBy: string | null;
  /** SIGTERM to the group, SIGKILL after the grace; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  log(): string;
}

export function spawnLogged(
  name: string,
  cmd: string,
  args: string[],
  o: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): LoggedProcess {
  const fd = openSync(o.logFile, 'a');
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const untrack = trackGroup(child.pid);
  let running = true;
  let endedBy: string | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => {
      running = false;
      endedBy = 'could not start';
      untrack();
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      running = false;
      endedBy = signal ? `killed by ${signal}` : `exited with ${code}`;
      untrack();
      killGroup(child.pid, 'SIGKILL'); // a grandchild must not outlive its parent
      resolve(code ?? (signal ? 128 : null));
    });
  });
  const log = () => {
    try {
      return readFileSync(o.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    name,
    pid: child.pid ?? 0,
    logFile: o.logFile,
    exited,
    get running() {
      return running;
    },
    get endedBy() {
      return endedBy;
    },
    log,
    async stop(graceMs = 5000) {
      if (!running) return;
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it is true; fails at the deadline or as soon as the process exits. */
export async function waitUntil(
  p: LoggedProcess,
  what: string,
  ready: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(ready()).catch(() => false)) return;
    if (!p.running) throw envError(`${p.name} exited before ${what}: ${lastLines(p.log(), 3).slice(-600)}`);
    if (Date.now() > deadline)
      throw envError(`${p.name} not ${what} within ${timeoutMs / 1000} s: ${lastLines(p.log(), 3).slice(-600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The worker processes of a local stack seen from outside it (a test or a script that only has the stack's
 * folder from its log line): the processes whose working folder it is, running noetl.worker, lowest pid first.
 */
export function workerPidsIn(stackDir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return (
          readlinkSync(`/proc/${d}/cwd`) === stackDir &&
          readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('noetl.worker')
        );
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
}
