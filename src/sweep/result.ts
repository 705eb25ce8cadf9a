// What a sweep's runs add up to: one record per finished run (from its store snapshot), per-cell figures
// (median throughput, stall rate, missing), and the recommendation — the fastest cell whose every repeat
// completed with nothing missing.
import { breachesOf, runSeconds } from '../run/finalize.js';
import type { RunStore } from '../run/store.js';
import type { Breach, Mode, ModeVerdict, RunOutcome } from '../model.js';
import type { RunCpu } from './engine-meter.js';
import { cellLabel, type Cell } from './grid.js';

export interface RunRecord {
  repeat: number;
  /** The run's own report folder, relative to the sweep folder. */
  dir: string;
  ended_at: string;
  exit_code: number;
  outcome: string;
  verdicts: Partial<Record<Mode, ModeVerdict>>;
  breaches: Breach[];
  stored_rows: number;
  expected_rows: number;
  missing: number;
  duration_seconds: number | null;
  /** Rows stored by all modes per second of the run (first launch to the last mode's end). */
  rows_per_second: number | null;
  /** The run's seconds per row stored, and the engine's CPU-seconds per row (its server and workers; null where no process is read). */
  seconds_per_item?: number | null;
  cpu_seconds_per_item?: number | null;
  /**
   * How the engine's CPU was read: `run edges` from /proc before the launch and once the engine settled, less
   * its idle rate (engine_cpu_seconds, src/sweep/engine-meter.ts); `samples` from the pods sampled through the run.
   */
  cpu_basis?: 'run edges' | 'samples';
  engine_cpu_seconds?: number | null;
  /** Seconds the engine took to settle after the run's end (run edges only). */
  settle_seconds?: number;
}

export interface CellResult {
  id: string;
  label: string;
  swept: Record<string, number>;
  runs: RunRecord[];
  repeats: number;
  median_rows_per_second: number | null;
  median_duration_seconds: number | null;
  stalls: number;
  stall_rate: number | null;
  missing: number;
  /** Every repeat ran, completed in every mode, with nothing missing. */
  qualified: boolean;
  payload_kb: number;
  median_seconds_per_item: number | null;
  median_cpu_seconds_per_item: number | null;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : round2((s[mid - 1] + s[mid]) / 2);
}

/** The record of one finished run, read from its store. */
export function recordRun(
  store: RunStore,
  outcome: RunOutcome,
  { repeat, dir, cpu }: { repeat: number; dir: string; cpu: RunCpu | null },
  maxDurationSeconds?: number,
): RunRecord {
  const snap = store.snapshot();
  const stored = snap.modes.reduce((a, m) => a + (m.stats?.storedRows ?? 0), 0);
  const seconds = runSeconds(snap);
  return {
    repeat,
    dir,
    ended_at: new Date().toISOString(),
    exit_code: outcome.exitCode,
    outcome: outcome.reason,
    verdicts: Object.fromEntries(snap.modes.map((m) => [m.mode, m.verdict])),
    breaches: [...new Set(breachesOf(store, maxDurationSeconds).map((b) => b.breach))],
    stored_rows: stored,
    expected_rows: snap.modes.reduce((a, m) => a + m.expected, 0),
    missing: snap.modes.reduce((a, m) => a + (m.diff?.missingCount ?? 0), 0),
    duration_seconds: seconds === null ? null : round2(seconds),
    rows_per_second: seconds ? round2(stored / seconds) : null,
    seconds_per_item: seconds && stored ? round3(seconds / stored) : null,
    ...engineCpu(store, stored, cpu),
  };
}

/** The engine's CPU per row: read at the run's edges where it was, else from the pods sampled through the run. */
function engineCpu(store: RunStore, stored: number, cpu: RunCpu | null): Partial<RunRecord> {
  if (!cpu) return { cpu_seconds_per_item: engineCpuPerItem(store, stored), cpu_basis: 'samples' };
  return {
    cpu_seconds_per_item: stored ? round3(cpu.cpuSeconds / stored) : null,
    cpu_basis: 'run edges',
    engine_cpu_seconds: round3(cpu.cpuSeconds),
    settle_seconds: cpu.settleSeconds,
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** The engine's CPU-seconds (server and workers, as sampled through the run) per row stored. */
function engineCpuPerItem(store: RunStore, stored: number): number | null {
  // The sandbox's processes are the emulator's: their CPU is not an engine's.
  if (store.target.kind === 'sandbox') return null;
  const engine = store.pods.withGrowth().filter((p) => p.role === 'server' || p.role === 'worker');
  if (!stored || !engine.some((p) => p.cpu.samples >= 2)) return null;
  return round3(engine.reduce((n, p) => n + p.cpu.cpuSeconds, 0) / stored);
}

/** A run that says something about the setting (an interrupted one is run again on resume). */
export function counts(r: RunRecord): boolean {
  return r.exit_code !== 130;
}

export function cellResult(cell: Cell, runs: RunRecord[], repeats: number): CellResult {
  const done = runs.filter(counts);
  const stalls = done.filter((r) => r.breaches.includes('stall')).length;
  const clean = (r: RunRecord) =>
    Object.values(r.verdicts).every((v) => v === 'completed') && r.missing === 0 && r.exit_code !== 3;
  return {
    id: cell.id,
    label: cellLabel(cell),
    swept: cell.swept,
    runs: done,
    repeats,
    median_rows_per_second: median(done.map((r) => r.rows_per_second).filter((x): x is number => x !== null)),
    median_duration_seconds: median(done.map((r) => r.duration_seconds).filter((x): x is number => x !== null)),
    stalls,
    stall_rate: done.length ? round2(stalls / done.length) : null,
    missing: done.reduce((a, r) => a + r.missing, 0),
    qualified: done.length >= repeats && done.every(clean),
    payload_kb: cell.params.payloadKb,
    median_seconds_per_item: median(done.map((r) => r.seconds_per_item ?? null).filter((x): x is number => x !== null)),
    median_cpu_seconds_per_item: median(
      done.map((r) => r.cpu_seconds_per_item ?? null).filter((x): x is number => x !== null),
    ),
  };
}

/** The qualified cell with the highest median throughput, or why none qualified. */
export function recommend(cells: CellResult[]): { cell: CellResult | null; text: string } {
  const ok = cells.filter((c) => c.qualified && c.median_rows_per_second !== null);
  if (!ok.length) return { cell: null, text: 'no cell qualified: none had every repeat complete with nothing missing' };
  const best = ok.reduce((a, b) => (b.median_rows_per_second! > a.median_rows_per_second! ? b : a));
  return {
    cell: best,
    text: `recommended: ${best.label} — median ${best.median_rows_per_second} rows/s, ${best.runs.length}/${best.repeats} repeats complete, nothing missing`,
  };
}

/** Median throughput for each value of each swept parameter (for the charts). */
export function throughputByAxis(
  cells: CellResult[],
): Record<string, Array<{ value: number; rows_per_second: number | null }>> {
  const axes = [...new Set(cells.flatMap((c) => Object.keys(c.swept)))];
  return Object.fromEntries(
    axes.map((axis) => {
      const values = [...new Set(cells.map((c) => c.swept[axis]))].sort((a, b) => a - b);
      return [
        axis,
        values.map((value) => ({
          value,
          rows_per_second: median(
            cells
              .filter((c) => c.swept[axis] === value)
              .flatMap((c) => c.runs.map((r) => r.rows_per_second))
              .filter((x): x is number => x !== null),
          ),
        })),
      ];
    }),
  );
}
