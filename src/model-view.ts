// The vocabulary's second half: the run as the renderers see it (phases, verdicts, events, stall facts,
// the diagnosis, mode and run snapshots, outcomes). Imported through model.ts, the one vocabulary module.
import type {
  AfterEnd,
  Check,
  CrossDiff,
  ExecState,
  Mode,
  ModeDiff,
  ModeStats,
  PodCpu,
  PodSample,
  RunParams,
  TargetKind,
} from './model-core.js';

// ---- the run as the renderers see it ---------------------------------------------------------------

export type PhaseName = 'preflight' | 'register' | 'launch' | 'observe' | 'finalize';
export const PHASES: PhaseName[] = ['preflight', 'register', 'launch', 'observe', 'finalize'];
export type PhaseState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type ModeVerdict =
  'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'stalled' | 'timeout' | 'not-launched';

export type EventKind =
  'start' | 'step' | 'issued' | 'started' | 'done' | 'completed' | 'failed' | 'terminal' | 'emulation' | 'other';

export interface EventView {
  t: number;
  eventId: string;
  executionId: string;
  type: string;
  kind: EventKind;
  node: string | null;
  status: string | null;
  batch: number | null; // chunk-worker events: the window they belong to
}

export interface StallFacts {
  since: number; // ms epoch of the last progress
  idleSeconds: number;
  /** churning: events kept flowing without progress; silent: nothing came at all. */
  kind: 'silent' | 'churning';
  eventsSinceProgress: number;
  maxPersistedItemId: number | null;
  storedRows: number;
  expectedRows: number;
  iterationsIssued: number;
  iterationsDone: number;
  retriesPerNode: Record<string, number>;
  openExecutions: string[]; // executions with no terminal event
  podMemoryTrend: Array<{ pod: string; firstMiB: number; lastMiB: number; deltaMiB: number }>;
  /** The last events seen before the stall was called (type, step, status). */
  lastEvents?: string[];
}

/**
 * One stall episode of a mode: called when the stall detector fired, ended when progress came back (a
 * stall that ends is an episode, not the end of the run; --stop-on-stall ends the mode at the first).
 */
export interface StallEpisode {
  /** The last progress before it (ms epoch). */
  since: number;
  /** When the detector called it. */
  detectedAt: number;
  /** When progress came back; null while it lasts (or when the run ended inside it). */
  endedAt: number | null;
  /** What ended it, as far as the tool can tell (e.g. the playbook tool's timeout, from the worker's log). */
  endedBy: string | null;
  kind: 'silent' | 'churning';
  /** The diagnosis' first cause while it lasted (id), if any. */
  cause: string | null;
  /** Rows stored when it was called. */
  storedRows: number;
}

/** One likely cause of a stall or of trouble, with what supports it and what helps (diagnosis/rules.ts). */
export interface Cause {
  id: string;
  title: string;
  confidence: 'high' | 'medium' | 'low';
  evidence: string[];
  advice: string[];
}

export type DiagnosisState =
  | 'progressing'
  | 'slow'
  | 'stalled-silent'
  | 'stalled-churning'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'not-launched'
  | 'pending';

export interface Diagnosis {
  state: DiagnosisState;
  causes: Cause[];
  /** The facts shown when no cause matches (and beside the causes). */
  facts: string[];
}

/** Per step: commands issued, claimed, started, completed and failed (lost or starved commands show here). */
export interface NodeCounts {
  issued: number;
  claimed: number;
  started: number;
  completed: number;
  failed: number;
}

export interface PodView extends PodSample {
  firstMemoryBytes: number | null;
  memoryHistory: number[];
  /** CPU over the run (absent in a replay of a report written before it was kept). */
  cpu?: PodCpu;
}

export interface LogLine {
  seq: number;
  t: number;
  source: string;
  level: 'info' | 'warn' | 'error';
  text: string;
}

/** The facts of one mode the store keeps as plain values; the view adds what is derived from buffers. */
export interface ModeFacts {
  mode: Mode;
  executionId: string | null;
  verdict: ModeVerdict;
  currentStep: string | null;
  expected: number;
  stats: ModeStats | null;
  rowsPerSecond: number;
  eventCount: number;
  iterationsIssued: number;
  iterationsDone: number;
  retries: number;
  /** Retry lines logged while this mode ran with another that named neither (the count per mode is unknown). */
  retriesUnattributed: number;
  failures: number;
  /** The stall open now (or, with --stop-on-stall, the one that ended the mode). */
  stall: StallFacts | null;
  /** How long the open stall has lasted at the last poll (the screen's; the stall's facts keep when it was called). */
  stallIdleSeconds?: number;
  /** Every stall episode of the run, in order (the open one last). */
  stalls: StallEpisode[];
  /** The parent ended while child executions still ran: when, the rows stored then, and how many ran. */
  parentEndedEarly?: { at: number; storedRows: number; openChildren: number } | null;
  /** The execution ended (FAILED, CANCELLED) while commands it issued still ran, and the rows after. */
  afterEnd?: AfterEnd | null;
  diagnosis: Diagnosis | null;
  /** Projected seconds to the last expected row at the current rate (null when not progressing). */
  etaSeconds: number | null;
  summarize: unknown;
  diff: ModeDiff | null;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  /** watch: started elsewhere; its start and end are the engine's (its events' times), not the watch's. */
  adopted?: boolean;
  /** Not launched yet, and why (the other mode makes the fixture's tables first). */
  waiting?: string | null;
}

export interface ModeView extends ModeFacts {
  perNode: Record<string, NodeCounts>;
  rateHistory: number[];
  eventsByType: Record<string, number>;
  retriesPerNode: Record<string, number>;
  children: number;
  openExecutions: string[];
  /** Executions with no terminal event whose /status says they ended (Python's completion_inferred). */
  endedByStatus: string[];
  tail: EventView[];
  /** Rows stored since the newest event arrived: many, with no event, is an event log behind the work. */
  rowsSinceLastEvent: number;
}

export interface TargetInfo {
  kind: TargetKind;
  serverUrl: string;
  dialect: string;
  portForward: string | null;
  rowsSource: string;
  faults: string[];
  /** Constructs of the user's playbooks the server's engine ignores or lacks (check-playbook). */
  playbookWarnings: number;
  /** Why retries cannot be seen on this target (no engine writes a retry event), or null when they can. */
  retriesNote?: string | null;
  /** The legacy engine's release where the tool knows it (--target local, or --noetl-version with a server). */
  release?: string | null;
}

/** What a run knows of its target before the target says more. */
export const EMPTY_TARGET: TargetInfo = {
  kind: 'sandbox',
  serverUrl: '',
  dialect: '?',
  portForward: null,
  rowsSource: '?',
  faults: [],
  playbookWarnings: 0,
};

/**
 * Retries are only logged (Python at INFO, Rust at DEBUG): where the target's logs cannot show them and
 * none was seen, the count is not a zero but unknown.
 */
export function retriesShown(
  m: { retries: number; retriesUnattributed?: number },
  t: { retriesNote?: string | null },
): string {
  if (!retriesObservable(m, t)) return 'n/a';
  // Retry lines that named no mode while several ran: this mode's count is unknown, at least what it has.
  if (m.retriesUnattributed) return m.retries ? `≥${m.retries}` : '?';
  return String(m.retries);
}

/** A mode's item commands issued and not yet ended (the screen's in-flight). */
export const inFlightCommands = (m: { iterationsIssued: number; iterationsDone: number }): number =>
  Math.max(0, m.iterationsIssued - m.iterationsDone);

/** Whether a mode's retry count means something on its target: seen at all, or visible there. */
export function retriesObservable(m: { retries: number }, t: { retriesNote?: string | null }): boolean {
  return !t.retriesNote || m.retries > 0;
}

export interface Snapshot {
  now: number;
  startedAt: number;
  phases: Array<{ name: PhaseName; state: PhaseState; detail: string }>;
  target: TargetInfo;
  params: RunParams & { preset: string | null };
  modes: ModeView[];
  pods: PodView[];
  podsNote: string | null;
  logs: LogLine[];
  logsNote: string | null;
  degraded: string | null;
  paused: boolean;
  cross: CrossDiff | null;
  finished: boolean;
  reportDir: string | null;
  checks: Check[];
}

export interface RunOutcome {
  exitCode: number;
  reason: string;
}

/**
 * The kinds of breach that can fail a run (`--fail-on`): a stalled mode, missing items, failures (a failed
 * or cancelled mode, failed commands), and timeout (the observation timeout, or a run longer than
 * `--max-duration`).
 */
export type Breach = 'stall' | 'missing' | 'failures' | 'timeout';
export const BREACHES: Breach[] = ['stall', 'missing', 'failures', 'timeout'];

/** What decides a run's exit code once it finished. */
export interface Thresholds {
  failOn: Breach[];
  /** A run (launch to the end of observation) longer than this breaches `timeout`. */
  maxDurationSeconds?: number;
}

/**
 * Where each record of a run goes as it happens (events.ndjson, --json): the record as written, and its
 * time in ms (the instant its `ts` names).
 */
export type RecordSink = (record: Record<string, unknown>, at: number) => void;

/** What a renderer reads: snapshots on demand, a change signal, and every record as it happens. */
export interface SnapshotSource {
  snapshot(): Snapshot;
  subscribe(fn: () => void): () => void;
  addSink(sink: RecordSink): void;
}
