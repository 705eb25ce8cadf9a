// Run reports under --report-dir: events.ndjson (every event and sample, streamed while the run goes),
// summary.json (schema-versioned) and report.md, written on every exit path.
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { RunOutcome, Snapshot } from '../model.js';
import { redact } from '../redact.js';
import { renderMarkdown } from './markdown.js';
import { buildSummary } from './summary.js';

export function defaultReportDir(now = new Date()): string {
  return path.join('loadrun-reports', now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19));
}

export function safeJson(v: unknown): string {
  return redact(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir can loop forever on a pseudo filesystem such as
 * /proc (ENOENT for the leaf while the parent exists), which would hang the tool before it starts.
 */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  let cur = dir;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) mkdirSync(d);
}

/** Where records go: the store's record sinks take one of these. */
export interface RecordSource {
  addSink(sink: (record: Record<string, unknown>) => void): void;
  setReportDir(dir: string): void;
}

export class ReportWriter {
  private stream: WriteStream | undefined;
  private written = false;
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    try {
      mkdirs(this.dir);
      accessSync(this.dir, constants.W_OK);
    } catch (err) {
      throw usageError(`--report-dir ${JSON.stringify(dir)} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'choose a writable directory');
    }
  }

  /** Streams every store record to events.ndjson. */
  attach(store: RecordSource): void {
    this.stream = createWriteStream(path.join(this.dir, 'events.ndjson'), { flags: 'a' });
    this.stream.on('error', () => {});
    store.addSink((rec) => this.stream?.write(safeJson(rec) + '\n'));
    store.setReportDir(this.dir);
  }

  /** Writes summary.json and report.md (idempotent: the last call wins). Synchronous, so it survives exit. */
  write(snap: Snapshot, outcome: RunOutcome, extra: Record<string, unknown> = {}): void {
    const summary = buildSummary(snap, outcome, extra);
    writeFileSync(path.join(this.dir, 'summary.json'), redact(JSON.stringify(summary, null, 2)) + '\n');
    writeFileSync(path.join(this.dir, 'report.md'), redact(renderMarkdown(snap, outcome)));
    this.written = true;
  }

  get hasWritten(): boolean {
    return this.written;
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(() => r()));
  }
}
