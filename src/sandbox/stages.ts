// Where the sandbox's time goes per item (issue 17, goal 4): wall time summed per stage over every call
// (a python call is its wait for a free worker, then its run: encode, pipe, execute, decode),
// read with GET /api/sandbox/stages (`?reset=1` starts a new tally). Stages overlap when calls run
// concurrently, so a stage's total is the time items spent in it, not CPU.
import { performance } from 'node:perf_hooks';

export type Stage =
  | 'python queue wait'
  | 'python run'
  | 'http call'
  | 'postgres tool'
  | 'template rendering'
  | 'result JSON encoding'
  | 'result store write'
  | 'event writes';

class StageClock {
  private tally = new Map<Stage, { calls: number; ms: number }>();
  private since = Date.now();
  private loopSince = performance.eventLoopUtilization();

  add(stage: Stage, ms: number): void {
    const t = this.tally.get(stage) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    this.tally.set(stage, t);
  }

  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  timeSync<T>(stage: Stage, work: () => T): T {
    const t0 = performance.now();
    try {
      return work();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  /** The tally, and how busy the server's thread was over the same time (0..1, Node's event-loop utilisation). */
  report(reset: boolean): {
    seconds: number;
    serverThreadBusy: number;
    stages: Record<string, { calls: number; ms: number }>;
  } {
    const busy = performance.eventLoopUtilization(this.loopSince).utilization;
    const out = {
      seconds: Math.round((Date.now() - this.since) / 100) / 10,
      serverThreadBusy: Math.round(busy * 1000) / 1000,
      stages: Object.fromEntries([...this.tally].map(([k, v]) => [k, { calls: v.calls, ms: Math.round(v.ms) }])),
    };
    if (reset) {
      this.tally = new Map();
      this.since = Date.now();
      this.loopSince = performance.eventLoopUtilization();
    }
    return out;
  }
}

/** One clock per sandbox process. */
export const STAGES = new StageClock();
