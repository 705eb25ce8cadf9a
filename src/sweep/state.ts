// The sweep's state: sweep.json in the sweep folder (written after every run, read by --resume) and the
// live store the screens read (cells with their figures, the running run, the estimated time left).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { RunStore } from '../run/store.js';
import { safeJson } from '../render/reports.js';
import type { Cell } from './grid.js';
import { cellResult, counts, recommend, type CellResult, type RunRecord } from './result.js';

export const SWEEP_SCHEMA_VERSION = 1;
export const SWEEP_FILE = 'sweep.json';

export interface SweepFile {
  schema_version: number;
  tool: 'noetl-loadrun';
  kind: 'sweep';
  started_at: string;
  /** The options the sweep was started with, secrets left out (a resume gives them again). */
  options: Record<string, unknown>;
  repeat: number;
  runs: Record<string, RunRecord[]>;
}

export function loadSweepFile(dir: string): SweepFile {
  const file = path.join(dir, SWEEP_FILE);
  if (!existsSync(file))
    throw usageError(
      `--resume ${dir}: no ${SWEEP_FILE} there`,
      'give the folder a sweep wrote (it prints it at the start)',
    );
  try {
    const f = JSON.parse(readFileSync(file, 'utf8')) as SweepFile;
    if (f.kind !== 'sweep' || typeof f.runs !== 'object' || typeof f.options !== 'object')
      throw new Error('not a sweep record');
    return f;
  } catch (err) {
    throw usageError(`--resume ${dir}: ${SWEEP_FILE} cannot be read (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Written to a temporary file and renamed: an interrupt never leaves half a sweep.json. */
export function saveSweepFile(dir: string, f: SweepFile): void {
  const file = path.join(dir, SWEEP_FILE);
  writeFileSync(`${file}.tmp`, safeJson(f) + '\n');
  renameSync(`${file}.tmp`, file);
}

export type CellState = 'waiting' | 'running' | 'done';
export type CellView = CellResult & { state: CellState };

export interface SweepSnapshot {
  dir: string;
  cells: CellView[];
  /** The run on screen: the latest one started. */
  current: { cellId: string; label: string; repeat: number; store: RunStore } | null;
  runsDone: number;
  runsTotal: number;
  elapsedSeconds: number;
  etaSeconds: number | null;
  finished: boolean;
  recommendation: string | null;
  log: string[];
}

export class SweepStore {
  private readonly listeners = new Set<() => void>();
  private readonly running = new Map<string, number>();
  private current: SweepSnapshot['current'] = null;
  private finishedAt: number | null = null;
  private readonly lines: string[] = [];
  private readonly startedAt = Date.now();
  private freshSeconds: number[] = [];

  constructor(
    readonly dir: string,
    readonly cells: Cell[],
    readonly file: SweepFile,
    private readonly parallel: number,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  log(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 200) this.lines.shift();
    this.changed();
  }

  runsOf(cellId: string): RunRecord[] {
    return (this.file.runs[cellId] ??= []);
  }

  started(cell: Cell, repeat: number, label: string, store: RunStore): void {
    this.running.set(cell.id, (this.running.get(cell.id) ?? 0) + 1);
    this.current = { cellId: cell.id, label, repeat, store };
    this.changed();
  }

  finished(cell: Cell, record: RunRecord, seconds: number): void {
    this.running.set(cell.id, (this.running.get(cell.id) ?? 1) - 1);
    const runs = this.runsOf(cell.id).filter((r) => r.repeat !== record.repeat);
    this.file.runs[cell.id] = [...runs, record].sort((a, b) => a.repeat - b.repeat);
    if (counts(record)) this.freshSeconds.push(seconds);
    saveSweepFile(this.dir, this.file);
    this.changed();
  }

  end(): void {
    this.finishedAt = Date.now();
    this.current = null;
    this.changed();
  }

  results(): CellResult[] {
    return this.cells.map((c) => cellResult(c, this.runsOf(c.id), this.file.repeat));
  }

  snapshot(): SweepSnapshot {
    const results = this.results();
    const runsDone = results.reduce((a, c) => a + Math.min(c.runs.length, this.file.repeat), 0);
    const runsTotal = this.cells.length * this.file.repeat;
    const avg = this.freshSeconds.length
      ? this.freshSeconds.reduce((a, b) => a + b, 0) / this.freshSeconds.length
      : null;
    return {
      dir: this.dir,
      cells: results.map((r) => ({
        ...r,
        state: (this.running.get(r.id) ?? 0) > 0 ? 'running' : r.runs.length >= this.file.repeat ? 'done' : 'waiting',
      })),
      current: this.current,
      runsDone,
      runsTotal,
      elapsedSeconds: ((this.finishedAt ?? Date.now()) - this.startedAt) / 1000,
      etaSeconds: this.finishedAt
        ? 0
        : avg === null
          ? null
          : Math.round((avg * (runsTotal - runsDone)) / this.parallel),
      finished: this.finishedAt !== null,
      recommendation: this.finishedAt ? recommend(results).text : null,
      log: this.lines.slice(-5),
    };
  }
}
