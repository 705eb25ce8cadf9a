// What the diagnosis' rules read (gathered live per mode by src/run/evidence.ts) and what a rule is.
import type { Cause, Mode, ModeVerdict, NodeCounts, PodSample, StallFacts } from '../model.js';
import type { LogHit, LogPatternId } from './patterns.js';

export interface Evidence {
  mode: Mode;
  verdict: ModeVerdict;
  stall: StallFacts | null;
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
  pods: Array<PodSample & { growthMiB: number | null; peakMiB: number | null }>;
  /** The engine issues every item of a parallel loop at once (Rust): issued but not claimed is normal there. */
  dispatchAll?: boolean;
  /** Why retries cannot be seen on this target (TargetInfo.retriesNote): then 0 retries says nothing. */
  retriesNote?: string | null;
  /** Child executions seen (chunk windows), and how many of them have no terminal event yet. */
  children?: number;
  openChildren?: number;
  /** Rows stored since the newest event arrived: the event log behind the work. */
  rowsSinceLastEvent?: number;
}

export interface Rule {
  id: string;
  title: string;
  advice: string[];
  match(e: Evidence): { confidence: Cause['confidence']; evidence: string[] } | undefined;
}
