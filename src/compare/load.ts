// A recorded run read back for `compare` and `history`: its summary.json (schema checked) reduced to the
// figures runs are compared by, per mode, and, for the charts, its series from events.ndjson.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { SeriesRecorder, type RunSeries } from '../render/series.js';
import { SUMMARY_SCHEMA_VERSION } from '../render/summary.js';
import { readRecords } from '../run/replay.js';

export interface ModeDigest {
  mode: string;
  verdict: string;
  stored: number;
  expected: number;
  missing: number | null;
  ranges: Array<[number, number]>;
  rowsPerSecond: number;
  /** Seconds from the mode's launch to its end (or to the end of observation). */
  seconds: number | null;
  /** Seconds from the mode's launch to the stall, when it stalled. */
  stallAfter: number | null;
  cause: string | null;
  retries: number | null;
  failures: number;
  /** Stall episodes (summary.json stall_episodes; a summary without them: 1 when it ended stalled). */
  stalls: number;
}

/** Whether a mode stalled at all: ended stalled, or stalled and went on. */
export const stalledIn = (m: ModeDigest): boolean => m.verdict === 'stalled' || m.stalls > 0;

export interface RunDigest {
  dir: string;
  label: string;
  startedAt: string;
  target: string;
  /** The sandbox's fault profiles (emulation), none on a real engine. */
  faults: string[];
  params: Record<string, unknown>;
  exitCode: number;
  modes: ModeDigest[];
  /** Peak memory per pod role, MiB. */
  peakMiB: Record<string, number>;
  /** The engine's CPU-seconds (server and workers, where sampled) per row stored, over all modes. */
  cpuPerItem: number | null;
  /** The run's seconds per row stored, over all modes. */
  secondsPerItem: number | null;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `sandbox, rust dialect`, `server python 4.26.0`: the kind once, then the dialect. */
function targetOf(t: Json | undefined): string {
  const kind = String(t?.kind ?? '?');
  const dialect = String(t?.dialect ?? '');
  return dialect.startsWith(kind) ? dialect : `${kind} ${dialect}`.trim();
}

/** The run folders under `dir`, at any depth (a sweep's runs): itself when it holds a summary.json. */
export function runFolders(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw usageError(`${dir} is not a folder`, "give report folders (a run's --report-dir) or a sweep folder");
  return summaryFolders(dir);
}

function summaryFolders(dir: string): string[] {
  if (existsSync(path.join(dir, 'summary.json'))) return [dir];
  return readdirSync(dir)
    .map((n) => path.join(dir, n))
    .filter((d) => statSync(d).isDirectory())
    .sort()
    .flatMap(summaryFolders);
}

function modeDigest(m: Json): ModeDigest {
  const seconds = typeof m.duration_seconds === 'number' ? m.duration_seconds : null;
  // A stalled mode ended when the stall was declared, idleSeconds after its last progress.
  const stallAfter = m.stall && seconds !== null ? Math.max(0, seconds - Number(m.stall.idleSeconds ?? 0)) : null;
  return {
    mode: String(m.mode),
    verdict: String(m.verdict),
    stored: Number(m.stored_rows ?? 0),
    expected: Number(m.expected_rows ?? 0),
    missing: m.missing ? Number(m.missing.count) : null,
    ranges: (m.missing?.ranges ?? []) as Array<[number, number]>,
    rowsPerSecond: seconds ? Number(m.stored_rows ?? 0) / seconds : 0,
    seconds,
    stallAfter,
    cause: m.diagnosis?.causes?.[0]?.id ?? null,
    stalls: Array.isArray(m.stall_episodes) ? m.stall_episodes.length : m.stall ? 1 : 0,
    retries: m.retries_observable === false ? null : Number(m.retries ?? 0),
    failures: Number(m.failures ?? 0),
  };
}

/** One run folder's summary.json as a digest; an unknown schema version is one clear line. */
export function loadDigest(dir: string): RunDigest {
  const file = path.join(dir, 'summary.json');
  let s: Json;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (err) {
    throw usageError(`${file} cannot be read as JSON (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  if (s.schema_version !== SUMMARY_SCHEMA_VERSION)
    throw usageError(
      `${file} has summary schema version ${JSON.stringify(s.schema_version)}; this noetl-loadrun reads version ${SUMMARY_SCHEMA_VERSION}`,
      'rebuild it with `noetl-loadrun report <dir>` from its events.ndjson',
    );
  const peakMiB: Record<string, number> = {};
  for (const p of (s.pods ?? []) as Json[]) {
    const bytes = Number(p.peak_memory_bytes ?? p.memory_bytes ?? 0);
    peakMiB[p.role] = Math.max(peakMiB[p.role] ?? 0, Math.round(bytes / 1048576));
  }
  const stored = ((s.modes ?? []) as Json[]).reduce((n, m) => n + Number(m.stored_rows ?? 0), 0);
  const engine = ((s.pods ?? []) as Json[]).filter(
    (p) => (p.role === 'server' || p.role === 'worker') && typeof p.cpu_seconds === 'number',
  );
  const real = s.target?.kind !== 'sandbox' && engine.length > 0;
  return {
    dir,
    cpuPerItem: real && stored ? engine.reduce((n, p) => n + Number(p.cpu_seconds), 0) / stored : null,
    secondsPerItem: stored && typeof s.duration_seconds === 'number' ? s.duration_seconds / stored : null,
    label: path.basename(path.resolve(dir)),
    startedAt: String(s.started_at),
    target: targetOf(s.target),
    faults: Array.isArray(s.target?.faults) ? (s.target.faults as string[]) : [],
    params: (s.parameters ?? {}) as Record<string, unknown>,
    exitCode: Number(s.exit_code),
    modes: ((s.modes ?? []) as Json[]).map(modeDigest),
    peakMiB,
  };
}

/** The run's series for the overlaid charts (empty when events.ndjson is not there). */
export function loadSeries(dir: string): RunSeries {
  const rec = new SeriesRecorder();
  const file = path.join(dir, 'events.ndjson');
  if (existsSync(file)) for (const r of readRecords(file)) rec.add(r);
  return rec.result();
}
