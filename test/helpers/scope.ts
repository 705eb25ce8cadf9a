// The processes one test started, and nothing else on the machine. Each scope gets its own TMPDIR: the
// programs a test spawns inherit it, the embedded Postgres puts its data dir (and the stale-cluster
// registry) below it, so a process belongs to the scope when its command line or environment names that
// folder, or when it descends from one that does. Another run on the same machine (`npm start` beside the
// suite, a second CI job) is never counted, and the registry is not shared between tests.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Proc {
  pid: number;
  ppid: number;
  args: string;
  env: string;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue; // a zombie runs nothing: it only waits to be reaped
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let env = '';
      try {
        env = readFileSync(`/proc/${d}/environ`, 'utf8');
      } catch {
        /* not ours to read */
      }
      out.push({ pid: Number(d), ppid: Number(rest[1]), args, env });
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

/** Programs of the tool: the CLI, the sandbox, its Postgres and python workers (not shells, tmux or npm). */
const TOOL = /noetl-loadrun\.js|sandbox\/main\.[tj]s|python_worker\.py|noetl-loadrun-pg-|^postgres/;
const TOOL_EXE = /^(\S*\/)?(node|python3?|postgres)(\s|:|$)/;

export class ProcessScope {
  readonly tmpdir: string;

  constructor(label = 'scope') {
    this.tmpdir = mkdtempSync(path.join(os.tmpdir(), `loadrun-${label}-`));
    chmodSync(this.tmpdir, 0o755); // the embedded Postgres runs as `postgres` below it when we are root
  }

  /** The environment for a child of this scope. */
  env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return { ...process.env, TMPDIR: this.tmpdir, ...extra };
  }

  private members(): Proc[] {
    const procs = readProcs();
    const mark = `TMPDIR=${this.tmpdir}\0`;
    const inScope = new Set(
      procs.filter((p) => p.args.includes(this.tmpdir) || `${p.env}\0`.includes(mark)).map((p) => p.pid),
    );
    for (let grew = true; grew;) {
      grew = false;
      for (const p of procs) {
        if (!inScope.has(p.pid) && inScope.has(p.ppid)) {
          inScope.add(p.pid);
          grew = true;
        }
      }
    }
    return procs.filter((p) => inScope.has(p.pid) && p.pid !== process.pid);
  }

  /** Tool processes of this scope still running, as `pid args`. */
  processes(): string[] {
    return this.members()
      .filter((p) => TOOL_EXE.test(p.args) && TOOL.test(p.args))
      .map((p) => `${p.pid} ${p.args}`);
  }

  /** Every process of the scope still running (any program), as `pid args`. */
  running(): string[] {
    return this.members().map((p) => `${p.pid} ${p.args}`);
  }

  /** Kills whatever of the scope is left (after the assertions) and removes its folder. */
  dispose(): void {
    for (const p of this.members()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(this.tmpdir, { recursive: true, force: true });
  }
}

/**
 * What of the scope is still running once the program said it was done: polled for a grace period, since
 * a killed process lingers until its parent (or PID 1) reaps it, however fast or busy the machine is.
 */
export async function leftovers(scope: ProcessScope, graceMs = 10_000): Promise<string[]> {
  const end = Date.now() + graceMs;
  for (;;) {
    const left = scope.processes();
    if (!left.length || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}
