// Server and worker log files followed from their end (--log-file: a NoETL run on this machine, such as
// `noetl-loadrun local-noetl`). Only what is evidence reaches the logs panel and the diagnosis: lines at
// WARNING or above, and any line a known pattern matches (Python logs its retries at INFO). The legacy
// engine writes a header line with the level, then the message on its own `Message:` line; a Rust service
// writes `<time> LEVEL target: message` on one line, in colour.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { LOG_PATTERNS, stripAnsi } from '../diagnosis/patterns.js';
import type { LogLine } from '../model.js';

const HEADER = /^\S+ \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\]/;
const RUST_LEVEL = /^\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s/;
const MAX_LINE = 500;
const MAX_READ = 4 * 1024 * 1024;

type Level = LogLine['level'];
const levelOf = (l: string): Level => (/ERROR|CRITICAL/.test(l) ? 'error' : /WARN/.test(l) ? 'warn' : 'info');

class FollowedFile {
  private offset: number;
  private rest = '';
  private level: Level = 'info';
  readonly source: string;

  constructor(
    private readonly file: string,
    private readonly onLine: (source: string, level: Level, text: string) => void,
  ) {
    this.source = path.basename(file).replace(/\.log$/, '');
    this.offset = statSync(file).size;
  }

  poll(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return; // rotated away: wait for it to come back
    }
    if (size < this.offset) this.offset = 0; // truncated or replaced
    if (size === this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - this.offset, MAX_READ));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const lines = (this.rest + buf.subarray(0, n).toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const raw of lines) this.take(stripAnsi(raw));
    } finally {
      closeSync(fd);
    }
  }

  private take(line: string): void {
    const header = HEADER.exec(line);
    if (header) return void (this.level = levelOf(header[1]));
    const rust = RUST_LEVEL.exec(line);
    const level = rust ? levelOf(rust[1]) : this.level;
    const text = line.trim().replace(/^Message: /, '');
    if (!text || text.startsWith('(')) return; // the legacy engine's (module:function:line) line
    if (level !== 'info' || LOG_PATTERNS.some((p) => p.re.test(text)))
      this.onLine(this.source, level, text.slice(0, MAX_LINE));
  }
}

/** Follows the files every `intervalMs`; returns the function that stops it. */
export function followLogFiles(
  files: string[],
  onLine: (source: string, level: Level, text: string) => void,
  intervalMs = 500,
): () => void {
  const followed = files.map((f) => new FollowedFile(f, onLine));
  const timer = setInterval(() => {
    for (const f of followed) f.poll();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const f of followed) f.poll(); // what was written up to the end
  };
}
