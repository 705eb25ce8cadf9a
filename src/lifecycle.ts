// The one owner of the process lifecycle: a cleanup registry run once on every exit path (normal end,
// failure, first Ctrl-C / SIGTERM after a graceful stop, second Ctrl-C forcing), in reverse order.

type Cleanup = { name: string; fn: () => Promise<unknown> | unknown };

export class Lifecycle {
  private readonly cleanups: Cleanup[] = [];
  private ran: Promise<void> | undefined;
  private interrupts = 0;
  private readonly onInterrupt: Array<(signal: string) => void> = [];

  /**
   * `parent`: a lifecycle of one part of a longer command (one release of `releases`): its signals come
   * through the parent, which runs these cleanups when it exits first; the part runs them itself when done.
   */
  constructor(parent?: Lifecycle) {
    if (parent) {
      parent.whenInterrupted((signal) => this.interrupt(signal));
      parent.add('a part of the command', () => this.runCleanups());
      return;
    }
    const handler = (signal: NodeJS.Signals) => this.interrupt(signal);
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    process.on('SIGHUP', handler);
  }

  /** Registers a cleanup; returns a function that runs it early and removes it. */
  add(name: string, fn: () => Promise<unknown> | unknown): () => Promise<void> {
    const entry = { name, fn };
    this.cleanups.push(entry);
    return async () => {
      const i = this.cleanups.indexOf(entry);
      if (i >= 0) {
        this.cleanups.splice(i, 1);
        await Promise.resolve(fn()).catch(() => {});
      }
    };
  }

  /** Called for the first interrupt (graceful stop); a second one forces exit 130 after a quick cleanup. */
  whenInterrupted(fn: (signal: string) => void): void {
    this.onInterrupt.push(fn);
  }

  /**
   * The one place interrupts are counted, whatever sent them (a signal, q or Ctrl-C in the TUI): the first
   * asks every listener for a graceful stop, a second forces.
   */
  interrupt(signal: string): void {
    this.interrupts++;
    if (this.interrupts === 1) {
      for (const fn of this.onInterrupt) fn(signal);
      if (!this.onInterrupt.length) void this.exit(130);
      return;
    }
    // Second press: do not wait for the graceful path; still kill children.
    void Promise.race([this.runCleanups(), new Promise((r) => setTimeout(r, 3000))]).then(() => process.exit(130));
  }

  /** Whether the cleanups have begun (an exit is under way). */
  get exiting(): boolean {
    return this.ran !== undefined;
  }

  runCleanups(): Promise<void> {
    return (this.ran ??= (async () => {
      for (const c of this.cleanups.splice(0).reverse()) {
        try {
          await Promise.race([Promise.resolve(c.fn()), new Promise((r) => setTimeout(r, 10_000))]);
        } catch {
          /* keep cleaning */
        }
      }
    })());
  }

  async exit(code: number): Promise<never> {
    await this.runCleanups();
    process.exit(code);
  }
}
