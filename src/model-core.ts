// The vocabulary every layer speaks. Terms:
// - mode: one of the fixture's two execution modes, launched side by side with identical parameters;
// - dialect: which NoETL server generation answers (the Rust control plane, or the legacy Python one);
// - target: where the run goes (the embedded sandbox, a server by URL, a cluster through kubectl);
// - range: an inclusive [from, to] run of item ids (missing items are reported as ranges);
// - pod sample: one CPU/memory reading of a pod (or, on the sandbox, of one of its processes);
// - check: one preflight verdict shown to the user with a hint;
// - snapshot: a bounded, immutable view of the run store, which every renderer formats.
// Nothing here does anything; it only names things. `model.ts` re-exports this, the run as the renderers
// see it (`model-view.ts`) and the persisted record (`model-records.ts`): import from `model.ts`; the two
// import this file, so the vocabulary has no circle.

export type Mode = 'direct_stress' | 'chunked_optimal';
export const MODES: Mode[] = ['direct_stress', 'chunked_optimal'];

export type Dialect = 'rust' | 'python';
export const DIALECTS: Dialect[] = ['rust', 'python'];

export type TargetKind = 'sandbox' | 'server' | 'cluster' | 'local';
export const TARGET_KINDS: TargetKind[] = ['sandbox', 'server', 'cluster', 'local'];

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
  /** The process is gone and nothing replaced it (a local engine's worker killed mid-run): why it ended. */
  exited?: string | null;
}

/**
 * Near a full core: a CPU sample at or above this is busy (a legacy Python worker at its limit shows 850-990m,
 * its asyncio loop and the GIL leave the rest; seen here on --target local).
 */
export const BUSY_MILLICORES = 700;

/** A pod's CPU over the run, as the diagnosis reads it. */
export interface PodCpu {
  samples: number;
  /** Share of samples at or above BUSY_MILLICORES. */
  busyShare: number;
  meanMillicores: number;
  /** CPU-seconds integrated between samples. */
  cpuSeconds: number;
  /** How many of the latest samples in a row were busy. */
  streak: number;
  /** Seconds spent at a full core (the spans of the busy samples). */
  busySeconds: number;
}

/** Where a process spends its time, from a stack sampler (py-spy): the leaf functions' shares. */
export interface StackProfile {
  tool: string;
  /** The role of the processes sampled (`worker`, `server`): one profile per role. */
  role: string;
  /** The pods sampled and for how long in all. */
  pods: string[];
  seconds: number;
  samples: number;
  /** The hottest leaf functions, their share of the busy samples (0..1). */
  top: Array<{ file: string; fn: string; share: number }>;
}

/** A process of the sandbox or of the local engine, shown as a pod. */
export interface ProcessInfo {
  role: string;
  name: string;
  pid: number;
  /** As a pod shows them: how often the process was replaced, and why the last one ended. */
  restarts?: number;
  lastReason?: string | null;
  /** Gone and not replaced: why it ended (e.g. `killed by SIGKILL`). */
  exited?: string | null;
}

export interface Check {
  name: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

export type ExecState = 'running' | 'completed' | 'failed' | 'cancelled';

/** An end with work still running (Rust runs the commands a run issued on after it failed or was cancelled). */
export interface AfterEnd {
  state: ExecState;
  at: number;
  /** Rows stored when the end was seen, and commands issued but not ended then. */
  storedRows: number;
  openCommands: number;
  /** When the rows stopped arriving (null: they still did at the end), and how many arrived after the end. */
  settledAt: number | null;
  rowsAfter: number | null;
  /** Whether the diff was taken after the rows settled (an end observed), or before (the tool's own cancel). */
  diffWaited: boolean;
}

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
  /** The parent the engine recorded (`noetl.event.parent_execution_id`). */
  parentExecutionId: string;
  /**
   * The parent the child's own input names (the fixture passes `parent_execution_id` to each chunk
   * worker), when it has one: noetl 4.26.0's worker can record the wrong parent (its playbook tool reads the
   * execution of the command the worker started last, noetl/worker/nats_worker.py 1963 and 3285).
   */
  inputParent: string | null;
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

/** A patch of a dependency the TUI runs with (components/patches/), and whether it applied and why not. */
export interface PatchState {
  name: string;
  on: boolean;
  why: string;
}
