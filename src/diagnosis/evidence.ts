// What the diagnosis' rules read (gathered live per mode by src/run/evidence.ts) and what a rule is.
import type {
  Cause,
  Mode,
  ModeVerdict,
  NodeCounts,
  PodCpu,
  PodSample,
  StackProfile,
  StallEpisode,
  StallFacts,
  TargetKind,
} from '../model.js';
import type { LogHit, LogPatternId } from './patterns.js';

export interface Evidence {
  mode: Mode;
  verdict: ModeVerdict;
  stall: StallFacts | null;
  /** Stall episodes so far (the open one last). */
  episodes?: StallEpisode[];
  /** The detector allows more idle time than --stall-seconds: progress is slow but steady. */
  slow: boolean;
  storedRows: number;
  expected: number;
  rowsPerSecond: number;
  eventsByType: Record<string, number>;
  retriesPerNode: Record<string, number>;
  perNode: Record<string, NodeCounts>;
  openExecutions: string[];
  logHits: Partial<Record<LogPatternId, LogHit>>;
  pods: Array<PodSample & { growthMiB: number | null; peakMiB: number | null; cpu?: PodCpu }>;
  /** The engine issues every item of a parallel loop at once (Rust): issued but not claimed is normal there. */
  dispatchAll?: boolean;
  /** Why retries cannot be seen on this target (TargetInfo.retriesNote): then 0 retries says nothing. */
  retriesNote?: string | null;
  /** Child executions seen (chunk windows), and how many of them have not ended (no terminal event, no ended /status). */
  children?: number;
  openChildren?: number;
  /** Children with no terminal event whose /status says they ended (completion_inferred). */
  childrenEndedByStatus?: number;
  /** The legacy engine's release, where known: advice names the release that fixed a defect it has. */
  release?: string | null;
  /** Rows stored since the newest event arrived: the event log behind the work. */
  rowsSinceLastEvent?: number;
  /** Settings the engine logged (not evidence by themselves): e.g. `pg-pool` → `min=1 max=6 waiting=50 timeout=30.0s`. */
  logFacts?: Partial<Record<string, string>>;
  /** Where the engine's workers spend their time, when a stack sampler ran (py-spy on the local engine). */
  profiles?: StackProfile[];
  /** What the target is: advice differs (a local engine's --workers, a cluster's kubectl exec). */
  targetKind?: TargetKind;
  /** The other modes of this run and their commands claimed and not finished (a mode starved by another). */
  others?: Array<{ mode: Mode; inFlight: number }>;
  /** The parent ended while child executions still ran (rows stored then, children running then). */
  parentEndedEarly?: { at: number; storedRows: number; openChildren: number } | null;
  /** Seconds since this mode was launched. */
  ageSeconds?: number;
}

export interface Rule {
  id: string;
  title: string;
  advice: string[];
  /** Evidence and, where the advice depends on it (which pool ran out), the advice that fits. */
  match(e: Evidence): { confidence: Cause['confidence']; evidence: string[]; advice?: string[] } | undefined;
}

/** A step's commands claimed or started and not yet finished. */
export const inFlight = (c: NodeCounts): number => Math.max(0, Math.max(c.claimed, c.started) - c.completed - c.failed);

/** The same over every step. */
export const inFlightOf = (perNode: Record<string, NodeCounts>): number =>
  Object.values(perNode).reduce((n, c) => n + inFlight(c), 0);
