// Port-forward supervisor (platform-notes §4): kubectl in its own process group, ready when kubectl
// prints "Forwarding from 127.0.0.1:<port>", restarted with backoff on the same local port when it
// exits, and the whole group killed on every exit path.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { lastLines } from '../../errors.js';
import { killGroup, trackGroup } from '../../process-group.js';
import type { Kubectl } from './kubectl.js';

export type ForwardState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface ForwardOptions {
  kubectl: Kubectl;
  namespace: string;
  resource: string; // svc/noetl
  remotePort: number;
  localPort?: number; // 0/undefined: kubectl picks one
  readyTimeoutMs?: number;
  maxBackoffMs?: number;
  onState?: (state: ForwardState, detail: string) => void;
}

const READY = /^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/;

export function parseForwarding(line: string): { local: number; remote: number } | undefined {
  const m = READY.exec(line.trim());
  return m ? { local: Number(m[1]), remote: Number(m[2]) } : undefined;
}

export class PortForward {
  state: ForwardState = 'starting';
  localPort: number | undefined;
  restarts = 0;
  private sub: ResultPromise | undefined;
  // Resolves on the process's own exit: a grandchild holding stdout must not delay it (platform-notes §4).
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private backoff = 1000;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ForwardOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }

  get pid(): number | undefined {
    return this.sub?.pid;
  }

  /** Starts kubectl and resolves with the local port once ready; rejects with kubectl's error. */
  async start(): Promise<number> {
    const port = await this.spawnOnce(this.o.localPort ?? 0);
    void this.superviseLoop();
    return port;
  }

  private set(state: ForwardState, detail = ''): void {
    this.state = state;
    this.o.onState?.(state, detail);
  }

  private spawnOnce(local: number): Promise<number> {
    const k = this.o.kubectl;
    const args = [...k.globalArgs(), '-n', this.o.namespace, 'port-forward', this.o.resource];
    args.push(`${local || ''}:${this.o.remotePort}`);
    // Own process group: Ctrl-C in the terminal reaches only us, and we kill the whole group.
    const sub = execa(k.bin, args, { detached: true, stdin: 'ignore', buffer: false, reject: false, cleanup: false });
    this.sub = sub;
    const untrack = trackGroup(sub.pid);
    this.exited = new Promise<void>((resolve) => {
      if (sub.exitCode !== null || sub.signalCode !== null) return resolve();
      sub.once('exit', () => resolve());
    });
    void sub.catch(() => {});
    let stderrTail = '';
    sub.stderr?.setEncoding('utf8');
    sub.stderr?.on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-2000);
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        killGroup(sub.pid!, 'SIGKILL');
        reject(
          new Error(`port-forward ${this.o.resource} not ready within ${(this.o.readyTimeoutMs ?? 20_000) / 1000} s`),
        );
      }, this.o.readyTimeoutMs ?? 20_000);
      const rl = createInterface({ input: sub.stdout! }); // keep draining stdout for the process's life
      rl.on('line', (line) => {
        const f = parseForwarding(line);
        if (f && !settled) {
          settled = true;
          clearTimeout(timer);
          this.localPort = f.local;
          this.backoff = 1000;
          this.set('ready', `127.0.0.1:${f.local} -> ${this.o.resource}:${this.o.remotePort}`);
          resolve(f.local);
        }
      });
      void this.exited.then(() => {
        untrack();
        killGroup(sub.pid!, 'SIGKILL'); // grandchildren must not keep pipes open
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          // give stderr a moment to drain before quoting it
          setTimeout(() => {
            const last = lastLines(stderrTail) || `exit code ${sub.exitCode}`;
            reject(new Error(`port-forward ${this.o.resource} exited before it was ready: ${last}`));
          }, 50);
        }
      });
    });
  }

  /** Restarts kubectl whenever it exits, with exponential backoff, on the same local port. */
  private async superviseLoop(): Promise<void> {
    while (!this.stopped) {
      await this.exited;
      if (this.stopped) break;
      this.set('restarting', `kubectl port-forward exited; restarting in ${this.backoff / 1000} s`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, this.backoff);
      });
      if (this.stopped) break;
      this.backoff = Math.min(this.o.maxBackoffMs ?? 15_000, this.backoff * 2);
      try {
        await this.spawnOnce(this.localPort ?? 0);
        this.restarts++;
      } catch (err) {
        this.set('restarting', (err as Error).message);
      }
    }
  }

  /** Restart now (the user pressed r): kill the current process; the loop starts a new one. */
  restartNow(): void {
    this.backoff = 250;
    if (this.sub?.pid) killGroup(this.sub.pid, 'SIGTERM');
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const sub = this.sub;
    if (!sub?.pid) return this.set('stopped');
    killGroup(sub.pid, 'SIGTERM');
    const t = setTimeout(() => killGroup(sub.pid!, 'SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
    killGroup(sub.pid, 'SIGKILL');
    this.set('stopped');
  }
}
