// The vocabulary every layer speaks. Terms:
// - mode: one of the fixture's two execution modes, launched side by side with identical parameters;
// - dialect: which NoETL server generation answers (the Rust control plane, or the legacy Python one);
// - target: where the run goes (the embedded sandbox, a server by URL, a cluster through kubectl);
// - range: an inclusive [from, to] run of item ids (missing items are reported as ranges);
// - pod sample: one CPU/memory reading of a pod (or, on the sandbox, of one of its processes);
// - check: one preflight verdict shown to the user with a hint;
// - snapshot: a bounded, immutable view of the run store, which every renderer formats.
// Nothing here does anything; it only names things.

export type Mode = 'direct_stress' | 'chunked_optimal';
export const MODES: Mode[] = ['direct_stress', 'chunked_optimal'];

export type Dialect = 'rust' | 'python';
export const DIALECTS: Dialect[] = ['rust', 'python'];

export type TargetKind = 'sandbox' | 'server' | 'cluster';
export const TARGET_KINDS: TargetKind[] = ['sandbox', 'server', 'cluster'];

export type Range = [number, number];

export interface RunParams {
  seedRows: number;
  payloadKb: number;
  batchSize: number;
  maxBatches: number;
}

/** What the fixture's result table says about one execution. */
export interface ModeStats {
  storedRows: number;
  okRows: number;
  minItemId: number | null;
  maxItemId: number | null;
  avgRequestBytes: number;
  avgResponseBytes: number;
  firstAt: number | null; // epoch seconds
  lastAt: number | null;
  perBatch: Record<string, number>;
}

export interface PodSample {
  name: string;
  role: string;
  cpuMillicores: number | null;
  memoryBytes: number | null;
  sampledAt: number;
  /** Container restarts and the reason the last container ended (OOMKilled, Error…), where known. */
  restarts?: number;
  lastReason?: string | null;
}

/** A process of the sandbox, shown as a pod. */
export interface ProcessInfo {
  role: string;
  name: string;
  pid: number;
}

export interface Check {
  name: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

export type ExecState = 'running' | 'completed' | 'failed' | 'cancelled';

export interface NormalStatus {
  executionId: string;
  state: ExecState;
  currentStep: string | null;
  progress: { totalSteps: number; completedSteps: number; runningSteps: number; failedSteps: number } | null;
  /** Python's `completion_inferred`: the server guessed the end from the events (noetl-contract §6.3). */
  inferred: boolean;
  raw: unknown;
}

export interface NoetlEvent {
  eventId: string;
  executionId: string;
  type: string;
  node: string | null;
  status: string | null;
  createdAt: string | null;
}

export interface ChildExecution {
  executionId: string;
  parentExecutionId: string;
  batchNumber: number | null;
}

// ---- the missing-items diff ------------------------------------------------------------------------

export interface WindowMissing {
  batchNumber: number;
  from: number;
  to: number;
  missing: number;
  ranges: Range[];
}

export interface ModeDiff {
  mode: Mode;
  executionId: string | null;
  expected: number;
  stored: number;
  missingCount: number;
  missing: Range[];
  windows: WindowMissing[];
}

export interface CrossDiff {
  /** ids stored by chunked_optimal but missing from direct_stress, and the reverse. */
  onlyChunked: Range[];
  onlyDirect: Range[];
  missingInBoth: Range[];
}

// ---- the run as the renderers see it ---------------------------------------------------------------

export type PhaseName = 'preflight' | 'register' | 'launch' | 'observe' | 'finalize';
export const PHASES: PhaseName[] = ['preflight', 'register', 'launch', 'observe', 'finalize'];
export type PhaseState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type ModeVerdict =
  'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'stalled' | 'timeout' | 'not-launched';

export type EventKind =
  | 'start'
  | 'step'
  | 'issued'
  | 'started'
  | 'done'
  | 'retry'
  | 'completed'
  | 'failed'
  | 'terminal'
  | 'emulation'
  | 'other';

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
  failures: number;
  stall: StallFacts | null;
  diagnosis: Diagnosis | null;
  /** Projected seconds to the last expected row at the current rate (null when not progressing). */
  etaSeconds: number | null;
  summarize: unknown;
  diff: ModeDiff | null;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
}

export interface ModeView extends ModeFacts {
  perNode: Record<string, NodeCounts>;
  rateHistory: number[];
  eventsByType: Record<string, number>;
  retriesPerNode: Record<string, number>;
  children: number;
  openExecutions: string[];
  tail: EventView[];
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
