// Server and worker logs followed with `kubectl logs -f --timestamps`; after kubectl exits (pod restart,
// dropped connection) it resumes with --since-time from the last line seen, dropping lines already shown.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import type { Kubectl } from './kubectl.js';
import { stripAnsi } from '../../diagnosis/patterns.js';
import { levelIn } from '../../sources/log-files.js';

export interface LogLineOut {
  source: string;
  level: 'info' | 'warn' | 'error';
  text: string;
  timestamp: string | null;
}

const TS = /^(?:\[pod\/([^/\]]+)\/[^\]]*\]\s+)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s(.*)$/;

export function classifyLog(raw: string): 'info' | 'warn' | 'error' {
  // Colour codes first (a Rust service writes its level in colour: `\x1b[31mERROR` has no word boundary).
  const text = stripAnsi(raw);
  const own = levelIn(text);
  if (own) return own;
  if (/\b(error|exception|panic|fatal|failed)\b/i.test(text)) return 'error';
  if (/\b(retry|retrying|warn|warning|timeout)\b/i.test(text)) return 'warn';
  return 'info';
}

/** One `kubectl logs --timestamps [--prefix]` line: pod, timestamp and text. */
export function parseLogLine(line: string): { pod: string | null; timestamp: string | null; text: string } {
  const m = TS.exec(line);
  return m ? { pod: m[1] ?? null, timestamp: m[2], text: m[3] } : { pod: null, timestamp: null, text: line };
}

export class LogFollower {
  private sub: ResultPromise | undefined;
  private stopped = false;
  private lastTs: string | null = null;
  private readonly seenAtLast = new Set<string>();
  restarts = 0;
  counts = { lines: 0, errors: 0, retries: 0 };

  constructor(
    private readonly k: Kubectl,
    private readonly source: string,
    private readonly selector: string,
    private readonly onLine: (l: LogLineOut) => void,
  ) {}

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    let backoff = 1000;
    while (!this.stopped) {
      const args = [
        ...this.k.globalArgs(),
        '-n',
        this.k.o.namespace,
        'logs',
        '-f',
        '-l',
        this.selector,
        '--timestamps',
        '--prefix',
        '--max-log-requests',
        '20',
        '--all-containers=false',
      ];
      args.push(this.lastTs ? `--since-time=${this.lastTs}` : '--tail=50');
      const sub = execa(this.k.bin, args, {
        detached: true,
        stdin: 'ignore',
        buffer: false,
        reject: false,
        cleanup: false,
      });
      this.sub = sub;
      const rl = createInterface({ input: sub.stdout! });
      rl.on('line', (line) => this.take(line));
      void sub.catch(() => {});
      await new Promise<void>((res) =>
        sub.exitCode !== null || sub.signalCode !== null ? res() : sub.once('exit', () => res()),
      );
      const r = { exitCode: sub.exitCode };
      try {
        if (sub.pid) process.kill(-sub.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      if (this.stopped) break;
      this.restarts++;
      if (r.exitCode !== 0 && r.exitCode !== null) backoff = Math.min(15_000, backoff * 2);
      await new Promise((res) => setTimeout(res, backoff));
    }
  }

  private take(line: string): void {
    const p = parseLogLine(line);
    if (p.timestamp) {
      // --since-time is inclusive at second resolution: drop lines at or before the last one shown.
      if (this.lastTs && p.timestamp < this.lastTs) return;
      const key = `${p.pod}|${p.timestamp}|${p.text}`;
      if (this.lastTs && p.timestamp === this.lastTs && this.seenAtLast.has(key)) return;
      if (p.timestamp !== this.lastTs) this.seenAtLast.clear();
      this.lastTs = p.timestamp;
      this.seenAtLast.add(key);
    }
    const level = classifyLog(p.text);
    this.counts.lines++;
    if (level === 'error') this.counts.errors++;
    if (/retry/i.test(p.text)) this.counts.retries++;
    this.onLine({
      source: p.pod ? `${this.source}/${p.pod}` : this.source,
      level,
      text: p.text,
      timestamp: p.timestamp,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const sub = this.sub;
    if (sub?.pid) {
      try {
        process.kill(-sub.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
