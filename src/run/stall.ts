// Stall detection on progress, not on noise: progress is a new persisted row or a step that completed
// for the first time. Events that keep flowing without progress (a loop re-issuing the same item, a
// runaway writing thousands of events) make a churning stall; no events at all a silent one. Slow but
// steady progress is not a stall: the idle time allowed grows to three times the usual gap between
// progress. Time the engine's own processes spend at a full core (`busy()`: a real engine's server or
// workers, sampled) does not count as idle, up to ten times --stall-seconds in a row: a CPU-bound engine is
// slow, not stalled, and one that spins for ever still stalls. Pure: the poll loop feeds observations and asks.

export type StallKind = 'silent' | 'churning';

export class StallDetector {
  private lastProgress = -1;
  private lastProgressAt: number;
  private eventsAtProgress = -1;
  private lastEvents = 0;
  private lastEventAt: number;
  private readonly gaps: number[] = [];
  /** Busy milliseconds since the last progress, and when busy() was last told. */
  private busyMs = 0;
  private busyAt: number | null = null;

  constructor(
    private readonly stallSeconds: number,
    now: number,
  ) {
    this.lastProgressAt = now;
    this.lastEventAt = now;
  }

  /** Records one observation (progress = rows stored + steps completed); returns the idle seconds. */
  observe(progress: number, eventCount: number, now: number): number {
    if (eventCount !== this.lastEvents) this.lastEventAt = now;
    this.lastEvents = eventCount;
    if (progress !== this.lastProgress) {
      if (this.lastProgress >= 0) this.gaps.push(now - this.lastProgressAt);
      if (this.gaps.length > 10) this.gaps.shift();
      this.lastProgress = progress;
      this.lastProgressAt = now;
      this.busyMs = 0;
      this.eventsAtProgress = eventCount;
    }
    return (now - this.lastProgressAt) / 1000;
  }

  /** Whether the engine's processes are at a full core now: the time since the last call is then not idle. */
  busy(isBusy: boolean, now: number): void {
    if (isBusy && this.busyAt !== null) this.busyMs += Math.max(0, now - Math.max(this.busyAt, this.lastProgressAt));
    this.busyAt = now;
  }

  /** Seconds of the idle time the engine spent at a full core (capped at ten stall windows). */
  get busySeconds(): number {
    return Math.min(this.busyMs / 1000, 10 * this.stallSeconds);
  }

  /**
   * The idle time that makes a stall: --stall-seconds, or three usual gaps when progress is slow; plus the
   * time the engine spent at a full core meanwhile.
   */
  thresholdSeconds(): number {
    if (this.gaps.length < 3) return this.stallSeconds + this.busySeconds; // too few gaps to know the pace
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return Math.max(this.stallSeconds, (3 * median) / 1000) + this.busySeconds;
  }

  stalled(now: number): boolean {
    return (now - this.lastProgressAt) / 1000 >= this.thresholdSeconds();
  }

  /**
   * Churning when the engine is still writing events (some came in the last half of the allowed idle
   * time) although nothing progresses; silent when it went quiet (the tail of in-flight work right after
   * the last progress does not count).
   */
  kind(now: number): StallKind {
    const recent = now - this.lastEventAt <= (this.thresholdSeconds() * 1000) / 2;
    return recent && this.lastEvents > Math.max(0, this.eventsAtProgress) ? 'churning' : 'silent';
  }

  get eventsSinceProgress(): number {
    return Math.max(0, this.lastEvents - Math.max(0, this.eventsAtProgress));
  }

  get since(): number {
    return this.lastProgressAt;
  }
}
