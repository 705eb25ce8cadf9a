// The record everything persists: one line of events.ndjson (and of --json on stdout), read back by replay,
// `report` and the sweep's resume. Each kind with its fields, as src/run/recorder.ts writes them (a record's
// own `kind` wins; the data's `kind`, a target's or a stall's, becomes `target_kind` / `stall_kind`).
import type {
  Check,
  CrossDiff,
  ExecState,
  Mode,
  ModeDiff,
  ModeStats,
  PodSample,
  StackProfile,
  RunParams,
  TargetKind,
} from './model-core.js';
import type { Diagnosis, LogLine, ModeVerdict, PhaseName, PhaseState, StallFacts, TargetInfo } from './model-view.js';

type R<K extends string, T> = { ts: string; kind: K } & T;

export type RunRecord =
  | R<
      'run',
      {
        tool: string;
        /** When the run's store started (ms), so a rebuild starts where the run did (absent before 2026-12). */
        started_at?: number;
        params: RunParams & { preset: string | null };
        modes: Array<{ mode: Mode; expected: number }>;
      }
    >
  | R<'target', Omit<TargetInfo, 'kind'> & { target_kind: TargetKind }>
  | R<'phase', { phase: PhaseName; state: PhaseState; detail: string }>
  | R<'check', Check>
  | R<'launch', { mode: Mode; execution_id: string; adopted?: boolean }>
  | R<'child', { mode: Mode; execution_id: string; batch_number: number | null }>
  | R<'status', { mode: Mode; execution_id: string; state: ExecState; current_step: string | null; progress: unknown }>
  | R<
      'event',
      {
        mode: Mode;
        event_id: string;
        execution_id: string;
        event_type: string;
        node_name: string | null;
        status: string | null;
        created_at: string | null;
        batch_number: number | null;
      }
    >
  | R<'rows', ModeStats & { mode: Mode; execution_id: string | null; rows_per_second: number }>
  | R<'pod', PodSample>
  | R<'profile', StackProfile>
  | R<'log', { source: string; level: LogLine['level']; text: string }>
  | R<'degraded', { message: string | null }>
  | R<'stall', Omit<StallFacts, 'kind'> & { mode: Mode; stall_kind: StallFacts['kind'] }>
  | R<'parent_ended_early', { mode: Mode; open_children: number; stored_rows: number }>
  | R<
      'ended_running',
      { mode: Mode; state: ExecState; open_commands: number; stored_rows: number; diff_waited: boolean }
    >
  | R<'rows_settled', { mode: Mode; rows_after: number }>
  | R<'stall_cause', { mode: Mode; cause: string }>
  | R<'stall_end', { mode: Mode; ended_by: string | null; cause: string | null }>
  | R<'child_status', { mode: Mode; execution_id: string; state: ExecState; inferred: boolean }>
  | R<'diagnosis', Diagnosis & { mode: Mode }>
  | R<'verdict', { mode: Mode; verdict: ModeVerdict; error: string | null }>
  | R<'diff', ModeDiff>
  | R<'cross_mode', CrossDiff>
  | R<'summarize', { mode: Mode; value: unknown }>
  | R<'outcome', { exit_code: number; reason: string }>;

export type RunRecordKind = RunRecord['kind'];

/**
 * The fields each kind must carry, checked against the type (a field renamed in RunRecord must be renamed
 * here) and, in test/report-html.test.ts, against a real run's events.ndjson (a field renamed by the
 * writer fails there): what keeps a replay from silently reading undefined.
 */
export const RECORD_FIELDS: { [K in RunRecordKind]: Array<keyof Extract<RunRecord, { kind: K }>> } = {
  run: ['tool', 'params', 'modes'],
  target: ['target_kind', 'serverUrl', 'dialect', 'rowsSource', 'faults'],
  phase: ['phase', 'state', 'detail'],
  check: ['name', 'verdict', 'detail'],
  launch: ['mode', 'execution_id'],
  child: ['mode', 'execution_id', 'batch_number'],
  status: ['mode', 'execution_id', 'state', 'current_step'],
  event: ['mode', 'event_id', 'execution_id', 'event_type', 'node_name', 'status', 'created_at', 'batch_number'],
  rows: ['mode', 'execution_id', 'storedRows', 'okRows', 'rows_per_second'],
  pod: ['name', 'role', 'cpuMillicores', 'memoryBytes', 'sampledAt'],
  profile: ['tool', 'role', 'pods', 'seconds', 'samples', 'top'],
  log: ['source', 'level', 'text'],
  degraded: ['message'],
  stall: ['mode', 'stall_kind', 'since', 'idleSeconds', 'storedRows', 'expectedRows'],
  stall_cause: ['mode', 'cause'],
  stall_end: ['mode', 'ended_by', 'cause'],
  parent_ended_early: ['mode', 'open_children', 'stored_rows'],
  ended_running: ['mode', 'state', 'open_commands', 'stored_rows', 'diff_waited'],
  rows_settled: ['mode', 'rows_after'],
  child_status: ['mode', 'execution_id', 'state', 'inferred'],
  diagnosis: ['mode', 'state', 'causes', 'facts'],
  verdict: ['mode', 'verdict', 'error'],
  diff: ['mode', 'executionId', 'expected', 'stored', 'missingCount', 'missing', 'windows'],
  cross_mode: ['onlyChunked', 'onlyDirect'],
  summarize: ['mode', 'value'],
  outcome: ['exit_code', 'reason'],
};

/**
 * A parsed line of events.ndjson that is a record this version knows: an object with its `ts` and a `kind`
 * of RECORD_FIELDS (a kind written by a later version is left out, not taken for another).
 */
export function isRunRecord(x: unknown): x is RunRecord {
  if (!x || typeof x !== 'object') return false;
  const r = x as { ts?: unknown; kind?: unknown };
  return typeof r.ts === 'string' && typeof r.kind === 'string' && Object.hasOwn(RECORD_FIELDS, r.kind);
}
