// Stall detection: a running mode with no new persisted rows and no new events for `stallSeconds`.
// Pure: the orchestrator feeds observations and asks for the verdict.

export class StallDetector {
  private lastRows = -1;
  private lastEvents = -1;
  private lastProgressAt: number;

  constructor(
    private readonly stallSeconds: number,
    now: number,
  ) {
    this.lastProgressAt = now;
  }

  /** Records one observation; returns the idle time in seconds. */
  observe(storedRows: number, eventCount: number, now: number): number {
    if (storedRows !== this.lastRows || eventCount !== this.lastEvents) {
      this.lastRows = storedRows;
      this.lastEvents = eventCount;
      this.lastProgressAt = now;
    }
    return (now - this.lastProgressAt) / 1000;
  }

  stalled(now: number): boolean {
    return (now - this.lastProgressAt) / 1000 >= this.stallSeconds;
  }

  get since(): number {
    return this.lastProgressAt;
  }
}
