// Starts the sandbox in its own process (and process group), waits for its ready line, relays its log,
// and stops the whole group on every exit path.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { envError, lastLines } from '../errors.js';
import type { Dialect, ProcessInfo } from '../model.js';
import { killGroup, trackGroup } from '../process-group.js';
import { nodeArgsFor } from './node-args.js';

export { nodeArgsFor };

export interface SandboxOptions {
  dialect?: Dialect;
  faults?: string[];
  pgUrl?: string;
  allowNetwork?: boolean;
  port?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
  onLog?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface RunningSandbox {
  apiUrl: string;
  /** The NoETL system database (noetl.event, ...). */
  pgUrl: string;
  pgUrlMasked: string;
  /** The data database the fixture's tables live in (the pg_k8s credential's). */
  dataPgUrl: string;
  echoUrl: string;
  dialect: string;
  faults: string[];
  pid: number;
  processes: ProcessInfo[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function sandboxArgs(o: SandboxOptions): string[] {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const args = [...nodeArgsFor(new URL(`./main.${ext}`, import.meta.url)), '--dialect', o.dialect ?? 'rust'];
  for (const f of o.faults ?? []) args.push('--fault', f);
  if (o.pgUrl) args.push('--pg-url', o.pgUrl);
  if (o.allowNetwork) args.push('--allow-network');
  if (o.port) args.push('--port', String(o.port));
  return [...args, ...(o.extraArgs ?? [])];
}

/** Waits for the sandbox's ready line, relaying its log lines; rejects on a fatal line, exit or timeout. */
function whenReady(
  child: ChildProcess,
  exited: Promise<number | null>,
  stderrTail: () => string,
  o: SandboxOptions,
): Promise<Record<string, unknown>> {
  const timeoutMs = o.readyTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(envError(`the sandbox did not become ready within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const rl = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    rl.on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        o.onLog?.('info', line);
        return;
      }
      if (msg.type === 'log')
        return o.onLog?.(msg.level === 'error' || msg.level === 'warn' ? msg.level : 'info', String(msg.msg));
      if (msg.type !== 'ready' && msg.type !== 'fatal') return;
      clearTimeout(timer);
      if (msg.type === 'ready') resolve(msg);
      else reject(envError(`sandbox failed to start: ${String(msg.msg)}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      const tail = lastLines(stderrTail());
      reject(envError(`the sandbox exited (code ${code}) before it was ready${tail ? `: ${tail}` : ''}`));
    });
  });
}

export async function startSandbox(o: SandboxOptions = {}): Promise<RunningSandbox> {
  const child = spawn(process.execPath, sandboxArgs(o), {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const untrack = trackGroup(child.pid);
  let stderrTail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      untrack();
      resolve(code ?? (signal ? 128 : null));
    });
  });
  const ready = await whenReady(child, exited, () => stderrTail, o);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        child.kill('SIGTERM'); // the sandbox stops Postgres and its workers itself
      } catch {
        /* gone */
      }
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL'); // anything left in the group
    })());
  return {
    apiUrl: String(ready.apiUrl),
    pgUrl: String(ready.pgUrl),
    pgUrlMasked: String(ready.pgUrlMasked),
    dataPgUrl: String(ready.dataPgUrl ?? ready.pgUrl),
    echoUrl: String(ready.echoUrl),
    dialect: String(ready.dialect),
    faults: (ready.faults as string[]) ?? [],
    pid: child.pid!,
    processes: (ready.processes as ProcessInfo[]) ?? [],
    exited,
    stop,
  };
}
