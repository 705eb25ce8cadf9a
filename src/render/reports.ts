// Run reports under --report-dir: events.ndjson (every event and sample, streamed while the run goes),
// summary.json (schema-versioned), report.md and report.html, written on every exit path.
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { RecordSink, RunOutcome, Snapshot } from '../model.js';
import { redact } from '../redact.js';
import { packageRoot } from '../paths.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { SeriesRecorder } from './series.js';
import { buildSummary } from './summary.js';

function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return { 'noetl-loadrun': pkg.version, node: process.version };
}

export function defaultReportDir(now = new Date()): string {
  return path.join('loadrun-reports', now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19));
}

export function safeJson(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v); // a replacer is called for every value: only when a bigint needs it
  } catch {
    text = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  }
  return redact(text);
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir can loop forever on a pseudo filesystem such as
 * /proc (ENOENT for the leaf while the parent exists), which would hang the tool before it starts.
 */
function mkdirs(dir: string): string[] {
  const missing: string[] = [];
  let cur = dir;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) mkdirSync(d);
  return missing;
}

/** Characters of events.ndjson lines written at once (well below the 128 KB glibc mmaps). */
const BATCH_CHARS = 64 * 1024;

/** Where records go: the store's record sinks take one of these. */
export interface RecordSource {
  addSink(sink: RecordSink): void;
  setReportDir(dir: string): void;
}

/**
 * The report folder is checked at once but created only when a run has something to report (open(), at
 * launch, or the first write): a run that fails before launching anything leaves no folder behind.
 * Records that arrive before then are held in memory (a handful: phases, checks, log lines).
 */
export class ReportWriter {
  private stream: WriteStream | undefined;
  private held: string[] | undefined = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private flushing = false;
  private written = false;
  private readonly series = new SeriesRecorder();
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    try {
      // A real probe (create the missing folders, check, remove them again): access() alone says yes to
      // root on a pseudo filesystem such as /proc.
      const created = mkdirs(this.dir);
      accessSync(this.dir, constants.W_OK);
      for (const d of created.reverse()) rmdirSync(d);
    } catch (err) {
      throw usageError(
        `--report-dir ${JSON.stringify(dir)} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'choose a writable directory',
      );
    }
  }

  /**
   * Streams every store record to events.ndjson (held until the folder is opened). Lines are written in
   * batches of up to 64 KB, at the latest on the next turn of the event loop: a write per record made a
   * buffer and a queued request per event (at thousands of events a second, the most of what the tool
   * allocated after parsing); batches stay below the size glibc hands to mmap and then keeps.
   */
  attach(store: RecordSource): void {
    store.addSink((rec, at) => {
      this.series.add(rec, at);
      const line = safeJson(rec) + '\n';
      if (this.held) this.held.push(line);
      else this.queue(line);
    });
    store.setReportDir(this.dir);
  }

  private queue(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= BATCH_CHARS) this.flush();
    else if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    if (!this.pending.length) return;
    this.stream?.write(this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Creates the folder and events.ndjson, with the records held so far. */
  open(): void {
    if (!this.held) return;
    try {
      mkdirs(this.dir);
    } catch (err) {
      throw usageError(
        `--report-dir ${JSON.stringify(this.dir)} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'choose a writable directory',
      );
    }
    this.stream = createWriteStream(path.join(this.dir, 'events.ndjson'), { flags: 'a' });
    this.stream.on('error', () => {});
    this.stream.write(this.held.join(''));
    this.held = undefined;
  }

  /** report <dir>: the series from recorded records instead of live ones; events.ndjson is left as it is. */
  rebuild(snap: Snapshot, outcome: RunOutcome, records: readonly object[], extra: Record<string, unknown> = {}): void {
    for (const r of records) this.series.add(r);
    this.held = undefined; // nothing to stream: the folder and its events.ndjson exist
    this.write(snap, outcome, extra);
  }

  /** Writes summary.json and report.md (idempotent: the last call wins). Synchronous, so it survives exit. */
  write(snap: Snapshot, outcome: RunOutcome, extra: Record<string, unknown> = {}): void {
    this.open();
    const summary = buildSummary(snap, outcome, extra);
    writeFileSync(path.join(this.dir, 'summary.json'), redact(JSON.stringify(summary, null, 2)) + '\n');
    writeFileSync(path.join(this.dir, 'report.md'), redact(renderMarkdown(snap, outcome)));
    writeFileSync(
      path.join(this.dir, 'report.html'),
      redact(renderHtml(snap, outcome, this.series.result(), versions())),
    );
    this.written = true;
  }

  get hasWritten(): boolean {
    return this.written;
  }

  async close(): Promise<void> {
    this.flush();
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(() => r()));
  }
}
