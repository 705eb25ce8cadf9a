// Where the sandbox's time goes per item (issue 17, goal 4): wall time summed per stage over every call
// (a python call is its wait for a free worker, then its run: encode, pipe, execute, decode),
// read with GET /api/sandbox/stages (`?reset=1` starts a new tally). Stages overlap when calls run
// concurrently, so a stage's total is the time items spent in it, not CPU.

export type Stage = 'python queue wait' | 'python run' | 'http call' | 'postgres tool' | 'template rendering' | 'result JSON encoding' | 'result store write' | 'event writes';

class StageClock {
  private tally = new Map<Stage, { calls: number; ms: number }>();
  private since = Date.now();

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

  report(reset: boolean): { seconds: number; stages: Record<string, { calls: number; ms: number }> } {
    const out = { seconds: Math.round((Date.now() - this.since) / 100) / 10, stages: Object.fromEntries([...this.tally].map(([k, v]) => [k, { calls: v.calls, ms: Math.round(v.ms) }])) };
    if (reset) {
      this.tally = new Map();
      this.since = Date.now();
    }
    return out;
  }
}

/** One clock per sandbox process. */
export const STAGES = new StageClock();
