// Server and worker log files followed from their end (--log-file: a NoETL run on this machine, such as
// `noetl-loadrun local-noetl`). Only what is evidence reaches the logs panel and the diagnosis: lines at
// WARNING or above, any line a known pattern matches (Python logs its retries at INFO), and the settings
// the advice quotes (LOG_FACTS: the Postgres pool's sizes). The legacy
// engine writes a header line with the level, then the message on its own `Message:` line; a Rust service
// writes `<time> LEVEL target: message` on one line, in colour.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { factsIn, LOG_PATTERNS, stripAnsi } from '../diagnosis/patterns.js';
import type { LogLine } from '../model.js';

const HEADER = /^\S+ \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\]/;
const RUST_LEVEL = /^\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s/;
// A line that carries its own level: uvicorn's access log (`INFO:     127.0.0.1 …`) and the legacy server's
// one-line records (`[INFO] 2026-12-06T14:49:21,196 (module:function:line) - …`).
const OWN_LEVEL = /^(?:(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s|\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\]\s)/;
const MAX_LINE = 500;
const MAX_READ = 4 * 1024 * 1024;

type Level = LogLine['level'];
const levelOf = (l: string): Level => (/ERROR|CRITICAL/.test(l) ? 'error' : /WARN/.test(l) ? 'warn' : 'info');

/** The level a line (ANSI already stripped) carries itself: a Rust record's, a Python header's or record's. */
export function levelIn(line: string): Level | undefined {
  const m = RUST_LEVEL.exec(line) ?? HEADER.exec(line) ?? OWN_LEVEL.exec(line);
  return m ? levelOf(m[1] ?? m[2]) : undefined;
}

/**
 * Lines as an engine writes them, to what is evidence: each with its level (the legacy engine's header line
 * gives the level of the `Message:` line after it), and only the lines worth passing on.
 */
export class LogLineReader {
  private level: Level = 'info';

  take(raw: string): { level: Level; text: string } | undefined {
    const line = stripAnsi(raw);
    const header = HEADER.exec(line);
    if (header) return void (this.level = levelOf(header[1]));
    const rust = RUST_LEVEL.exec(line);
    const own = OWN_LEVEL.exec(line);
    // The level a header gave holds for its `Message:` line and what continues it, not for a line of its own.
    const level = rust ? levelOf(rust[1]) : own ? levelOf(own[1] ?? own[2]) : this.level;
    const text = line.trim().replace(/^Message: /, '');
    if (!text || text.startsWith('(')) return undefined; // the legacy engine's (module:function:line) line
    if (level !== 'info' || LOG_PATTERNS.some((p) => p.re.test(text)) || factsIn(text).length)
      return { level, text: text.slice(0, MAX_LINE) };
    return undefined;
  }
}

class FollowedFile {
  private offset: number;
  private rest = '';
  private readonly reader = new LogLineReader();
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
      for (const raw of lines) {
        const l = this.reader.take(raw);
        if (l) this.onLine(this.source, l.level, l.text);
      }
    } finally {
      closeSync(fd);
    }
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
