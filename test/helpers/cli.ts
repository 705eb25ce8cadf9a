// Runs the real CLI (bin/noetl-loadrun.js) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'noetl-loadrun.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  o: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    // A 1 s tail window (--tail-window) spares every run four seconds of reading after its end; the tests
    // of late commits and flapping statuses ask for the default 5 s.
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: o.cwd ?? ROOT,
      env: { ...process.env, CI: 'true', NOETL_LOADRUN_TAIL_WINDOW: '1', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 170_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A CLI left running, its stdout and stderr read together as they come. */
export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output satisfies `test`, or once `ms` passed (the caller asserts on the output). */
  until(test: (out: string) => boolean, ms: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts the CLI with runCli's environment and leaves it running (kill it in the test's finally). */
export function startCli(args: string[], o: { env?: Record<string, string | undefined> } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', NOETL_LOADRUN_TAIL_WINDOW: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    output: () => out,
    async until(test, ms) {
      const deadline = Date.now() + ms;
      while (!test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    },
    exited,
  };
}
