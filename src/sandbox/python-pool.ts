// A pool of persistent python3 worker processes (one request at a time each, a shared FIFO queue).
// A worker that dies fails its in-flight call with a clear message and is replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { STAGES } from './stages.js';
import { jsonBytes } from './json-bytes.js';

// From the package root, so the built (dist/) sandbox finds the script too (tsc does not copy it).
const WORKER_SCRIPT = path.join(packageRoot(), 'src', 'sandbox', 'python_worker.py');

const REQUEST_END = Buffer.from('}\n');

/**
 * Calls `onLine` with each newline-terminated line of a byte stream, as text. A reply is one line of up to
 * megabytes arriving in 64 KB chunks: the chunks are kept as they come and joined once at the newline
 * (readline would decode each chunk, split it with a regular expression and grow a string).
 */
export function readLines(stream: Readable, onLine: (line: string) => void): void {
  let held: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      const tail = chunk.subarray(from, nl);
      const line = held.length ? Buffer.concat([...held, tail]) : tail;
      held = [];
      from = nl + 1;
      onLine(line.toString('utf8'));
    }
    if (from < chunk.length) held.push(chunk.subarray(from));
  });
}

export interface PythonCall {
  code: string;
  input: Record<string, unknown>;
  libs?: Record<string, string>;
  execution_id?: string;
  /** Whose entry rules the code runs under (semantics.pythonEntry; python_worker.py). */
  entry?: 'rust' | 'legacy';
}

export class PythonToolError extends Error {}
export class PythonWorkerLost extends Error {}

export interface PythonReply {
  value: unknown;
  stdout: string;
}

interface Pending {
  call: PythonCall;
  resolve: (v: PythonReply) => void;
  reject: (e: Error) => void;
  queuedAt: number;
}

interface Worker {
  index: number;
  proc: ChildProcess;
  busy?: { id: number; pending: Pending; startedAt: number };
  stderrTail: string;
  /** SIGKILLed by fault injection: a reply that raced the signal is dropped, as a dead worker's would be. */
  killed?: boolean;
}

export interface PoolProcess {
  role: string;
  name: string;
  pid: number;
  restarts: number;
  lastReason: string | null;
}

export class PythonPool {
  private workers: Worker[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Per worker slot, as a pod shows its container: restarts and the last exit's reason (Kubernetes' words). */
  private readonly slots = new Map<number, { restarts: number; lastReason: string | null }>();

  /** Worker processes replaced, over all slots. */
  get restarts(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.restarts;
    return n;
  }

  constructor(
    private readonly size: number,
    private readonly python = process.env.NOETL_LOADRUN_PYTHON || 'python3',
    private readonly onLog: (level: 'info' | 'error', msg: string) => void = () => {},
  ) {}

  /** Starts the workers and checks that python3 answers; rejects with a clear message otherwise. */
  async start(): Promise<void> {
    for (let i = 0; i < this.size; i++) this.workers.push(this.spawnWorker(i));
    await this.run({ code: 'import sys\nresult = sys.version_info[0]', input: {} }).catch((err) => {
      throw new Error(`python3 preflight failed (${this.python}): ${err.message}`);
    });
  }

  processes(): PoolProcess[] {
    return this.workers
      .filter((w) => w.proc.pid)
      .map((w) => ({
        role: 'python-worker',
        name: `sandbox-python-worker-${w.index}`,
        pid: w.proc.pid!,
        restarts: this.slots.get(w.index)?.restarts ?? 0,
        lastReason: this.slots.get(w.index)?.lastReason ?? null,
      }));
  }

  private crashPending = false;

  /** Fault injection: the next worker to take a call is SIGKILLed with that call in flight. */
  crashNext(): void {
    this.crashPending = true;
  }

  /** Kills one worker with SIGKILL (fault injection), a busy one when there is one; returns its pid. */
  crashOne(): number | undefined {
    const w = this.workers.find((x) => x.busy) ?? this.workers[0];
    const pid = w?.proc.pid;
    if (pid) {
      w.killed = true;
      w.proc.kill('SIGKILL');
    }
    return pid;
  }

  /** Runs the code; its `result` (or main's or the top-level return's value) and what it printed. */
  run(call: PythonCall): Promise<PythonReply> {
    if (this.closed) return Promise.reject(new PythonWorkerLost('python pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ call, resolve, reject, queuedAt: performance.now() });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new PythonWorkerLost('python pool is closed'));
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((res) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return res();
            w.proc.once('exit', () => res());
            w.proc.kill('SIGTERM');
            setTimeout(() => w.proc.kill('SIGKILL'), 1500).unref();
          }),
      ),
    );
  }

  private spawnWorker(index: number): Worker {
    const proc = spawn(this.python, ['-u', WORKER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const worker: Worker = { index, proc, stderrTail: '' };
    proc.on('error', (err) => {
      const w = worker.busy;
      worker.busy = undefined;
      const reason =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${this.python} not found on PATH` : err.message;
      w?.pending.reject(new PythonWorkerLost(reason));
      for (const p of this.queue.splice(0)) p.reject(new PythonWorkerLost(reason));
      this.closed = true;
    });
    proc.stdin!.on('error', () => {}); // EPIPE after a crash: the exit handler reports it
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      worker.stderrTail = (worker.stderrTail + d).slice(-2000);
    });
    readLines(proc.stdout!, (line) => {
      const busy = worker.busy;
      if (!busy || worker.killed) return;
      worker.busy = undefined;
      STAGES.add('python run', performance.now() - busy.startedAt);
      let reply: { id: number; ok: boolean; result?: unknown; stdout?: string; error?: string };
      try {
        reply = JSON.parse(line);
      } catch {
        busy.pending.reject(new PythonToolError(`python worker wrote a non-JSON line: ${line.slice(0, 120)}`));
        this.pump();
        return;
      }
      if (reply.ok) busy.pending.resolve({ value: reply.result, stdout: reply.stdout ?? '' });
      else busy.pending.reject(new PythonToolError(reply.error ?? 'python tool failed'));
      this.pump();
    });
    proc.on('exit', (code, signal) => {
      const busy = worker.busy;
      worker.busy = undefined;
      if (this.closed) return;
      const why = `python worker ${proc.pid} exited (${signal ?? `code ${code}`})`;
      this.onLog('error', `${why}; restarting it`);
      busy?.pending.reject(new PythonWorkerLost(why));
      const slot = this.slots.get(index) ?? { restarts: 0, lastReason: null };
      this.slots.set(index, { restarts: slot.restarts + 1, lastReason: code === 0 ? 'Completed' : 'Error' });
      const fresh = this.spawnWorker(index);
      this.workers[this.workers.indexOf(worker)] = fresh;
      this.pump();
    });
    return worker;
  }

  private pump(): void {
    for (const w of this.workers) {
      if (!this.queue.length) return;
      if (w.busy || w.proc.exitCode !== null || w.proc.signalCode !== null || !w.proc.pid) continue;
      const pending = this.queue.shift()!;
      const id = this.nextId++;
      const startedAt = performance.now();
      STAGES.add('python queue wait', startedAt - pending.queuedAt);
      w.busy = { id, pending, startedAt };
      let request: Buffer;
      try {
        // The input's large members (earlier tools' results) as already encoded (json-bytes.ts).
        const head = `{"id":${id},"entry":${JSON.stringify(pending.call.entry ?? 'rust')},"code":${JSON.stringify(pending.call.code)},"libs":${JSON.stringify(pending.call.libs ?? {})},"input":`;
        request = Buffer.concat([Buffer.from(head), jsonBytes(pending.call.input), REQUEST_END]);
      } catch (err) {
        w.busy = undefined;
        pending.reject(new PythonToolError(`python input is not JSON-serialisable: ${(err as Error).message}`));
        continue;
      }
      w.proc.stdin!.write(request);
      if (this.crashPending) {
        this.crashPending = false;
        this.onLog('error', `fault (emulation): killing python worker ${w.proc.pid} with a call in flight`);
        w.killed = true;
        w.proc.kill('SIGKILL');
      }
    }
  }
}
