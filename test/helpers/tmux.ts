// Drives the real program in a tmux pane (CI unset, so Ink draws live) and reads the screen.
import { execFileSync } from 'node:child_process';

export class Tmux {
  readonly socket = `loadrun-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(command: string, cwd: string): void {
    // The wrapper shell reports the exit code and the terminal modes after the program ends.
    const wrapped = `env -u CI sh -c '${command}; echo EXIT=$?; stty -a | tr " ;" "\\n\\n" | grep -xE -- "-?(icanon|echo)" | tr "\\n" " "; echo; sleep 600'`;
    this.tmux('new-session', '-d', '-s', 'app', '-x', String(this.cols), '-y', String(this.rows), '-c', cwd, wrapped);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'app');
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'app', ...keys);
  }

  async waitFor(pred: (screen: string) => boolean, timeoutMs: number, everyMs = 500): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = this.screen();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`screen condition not met within ${timeoutMs} ms; last screen:\n${last}`);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}

/** Processes that belong to a loadrun run: the CLI, the sandbox, its Postgres and python workers. */
export function loadrunProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+ (\S*\/)?(node|python3?|postgres)\b/.test(l)) // not the tmux/sh wrappers
    .filter((l) => /noetl-loadrun\.js|sandbox\/main\.ts|python_worker\.py|noetl-loadrun-pg-/.test(l));
}
