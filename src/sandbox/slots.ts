// A counting semaphore: the sandbox's worker slots. A Rust server issues every item of a parallel loop at
// once and workers claim what their slots allow (noetl-contract §7.3); the commands waiting for a slot
// are issued but not claimed, as on a real deployment.
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves once a slot is held; returns the function that gives it back. */
  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
