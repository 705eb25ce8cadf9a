// Drives the real program in a tmux pane (CI unset, so Ink draws live) and reads the screen.
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach } from 'vitest';
import { ProcessScope } from './scope.js';

export class Tmux {
  readonly socket = `loadrun-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** `env` adds variables (TMPDIR of the test's process scope, say); values must not contain quotes or spaces. */
  start(command: string, cwd: string, env: Record<string, string> = {}): void {
    // The wrapper shell reports the exit code and the terminal modes after the program ends.
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}=${v} `)
      .join('');
    const wrapped = `env -u CI ${vars}sh -c '${command}; echo EXIT=$?; stty -a | tr " ;" "\\n\\n" | grep -xE -- "-?(icanon|echo)" | tr "\\n" " "; echo; sleep 600'`;
    this.tmux('new-session', '-d', '-s', 'app', '-x', String(this.cols), '-y', String(this.rows), '-c', cwd, wrapped);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'app');
  }

  /** The screen with its colour escapes (capture-pane -e). */
  screenWithColors(): string {
    return this.tmux('capture-pane', '-p', '-e', '-t', 'app');
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

/**
 * Each test of the file gets its own process scope and at most one tmux pane (open()), both ended after
 * the test whatever happened.
 */
export function tmuxPerTest(scopeName: string): {
  readonly scope: ProcessScope;
  open(cols: number, rows: number): Tmux;
} {
  let scope: ProcessScope | undefined;
  let pane: Tmux | undefined;
  beforeEach(() => {
    scope = new ProcessScope(scopeName);
  });
  afterEach(() => {
    pane?.kill();
    pane = undefined;
    scope?.dispose();
  });
  return {
    get scope() {
      return scope!;
    },
    open: (cols, rows) => (pane = new Tmux(cols, rows)),
  };
}
