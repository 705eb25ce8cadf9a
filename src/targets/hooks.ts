// How a target reports while it opens and runs: checks, log lines, what it is, and whether it is degraded.
// The run binds these to its store; a target never sees the store itself.
import type { Check, LogLine, TargetInfo } from '../model.js';

export interface TargetHooks {
  check(c: Check): void;
  log(source: string, level: LogLine['level'], text: string): void;
  describe(t: Partial<TargetInfo>): void;
  degraded(message: string | null): void;
  /** What the pods and logs panels say when they have nothing (null: nothing to say). */
  notes(n: { pods?: string | null; logs?: string | null }): void;
}
