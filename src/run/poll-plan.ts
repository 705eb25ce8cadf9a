// Which reads of the API a round of the observer makes for a mode (issue #36 item 7: the observer's share
// of the engine's requests). Its events come every round. A mode's /status is read when its events did
// not move in the last round (an end with no terminal event, or a stall, shows there; at most once a
// second), and otherwise at most every STATUS_EVERY_MS: while events flow, a terminal event is what ends
// a mode (observe.ts finalState), and a status read then only refreshes the current step shown. A child's
// /status (read for an end it wrote no event for: episodes.ts) is asked only of a child quiet for
// CHILD_QUIET_MS (one still writing events has not ended), every third round, and every round while an
// end it said waits for the second read that confirms it.
//
// What a /status read costs the engine bounds how often it is made (STATUS_SHARE). noetl 4.26.0's server
// redacts the execution's variables for every /status answer (server/api/core/execution.py 340-341), and
// a loop's results are among them once the loop is done: seen here, one read of a finished 2-item 64 KB
// direct_stress parent took 2.9 CPU-seconds of the server (a 134 KB answer), while reads made as a 12-item
// 64 KB loop ran took 13-50 ms. At a run's end the plan reads every round (FINISH_POLL_MS) while events
// stand still, and reads that timed out were retried. The server runs such a read at a full core, so a
// read's wall time is taken as its cost (queueing behind the engine's own work counts too): after a read
// of L ms (L at least BUDGET_FLOOR_MS) the same execution is not read again for L·(1/STATUS_SHARE − 1) ms,
// at most STATUS_HOLD_MAX_MS. A read that fails or times out costs what it waited.
import type { Mode, NormalStatus } from '../model.js';

export const STATUS_EVERY_MS = 15_000;
export const CHILD_QUIET_MS = 3_000;
/**
 * While events stand still a mode's /status is read at most this often: rounds come every 250 ms once every
 * row is stored (observe.ts FINISH_POLL_MS), and a traced 12-item 64 KB run on 4.26.0 read it 44 times in
 * those 10 s.
 */
export const STILL_READ_EVERY_MS = 1_000;
/** The most of the wall time the tool's /status reads of one execution may take. */
export const STATUS_SHARE = 0.01;
/** Reads quicker than this (the sandbox's, a Rust server's) are left to the plan alone. */
export const BUDGET_FLOOR_MS = 100;
/**
 * The longest the budget holds an execution's reads back. A read's wall time counts queueing behind the
 * server's other work too (a read just after a 64 KB launch waited 15 s here), and an end that only a
 * status shows (noetl before 2.8.5's children) must still be seen within minutes.
 */
export const STATUS_HOLD_MAX_MS = 300_000;

/** An execution's /status, or undefined when its budget does not let it be read now (a failed read throws). */
export type StatusRead = (id: string) => Promise<NormalStatus | undefined>;

/** An execution's status reads: the last one's cost, when it ended, and whether the budget ever held one back. */
interface Spent {
  ms: number;
  at: number;
  held: boolean;
}

export class PollPlan {
  private readonly last = new Map<Mode, { events: number; statusAt: number }>();
  private readonly spent = new Map<string, Spent>();
  /** Status reads made through `reader()`, and their wall time in all (an upper bound on the server's time). */
  reads = 0;
  readMs = 0;

  constructor(
    private readonly now: () => number = () => Date.now(),
    /** Told once per execution the first time its budget holds a read back. */
    private readonly onHeld: (id: string, ms: number, waitMs: number) => void = () => {},
  ) {}

  /** The earliest time the budget lets `id` be read again (0: now). */
  nextReadAt(id: string): number {
    const s = this.spent.get(id);
    if (!s || s.ms < BUDGET_FLOOR_MS) return 0;
    return s.at + Math.min(STATUS_HOLD_MAX_MS, s.ms * (1 / STATUS_SHARE - 1));
  }

  /** A status reader that keeps to the budget and records what each read cost. */
  reader(read: (id: string) => Promise<NormalStatus>): StatusRead {
    return async (id) => {
      const t = this.now();
      const due = this.nextReadAt(id);
      if (t < due) {
        const s = this.spent.get(id)!;
        if (!s.held) this.onHeld(id, s.ms, due - s.at);
        s.held = true;
        return undefined;
      }
      try {
        return await read(id);
      } finally {
        const at = this.now();
        this.spent.set(id, { ms: at - t, at, held: this.spent.get(id)?.held ?? false });
        this.reads++;
        this.readMs += at - t;
      }
    };
  }

  /** Whether this round reads the mode's /status, given its events so far. */
  readStatus(mode: Mode, events: number, now: number): boolean {
    const prev = this.last.get(mode);
    const still = prev !== undefined && prev.events === events && now - prev.statusAt >= STILL_READ_EVERY_MS;
    const due = !prev || still || now - prev.statusAt >= STATUS_EVERY_MS;
    this.last.set(mode, { events, statusAt: due || !prev ? now : prev.statusAt });
    return due;
  }
}
