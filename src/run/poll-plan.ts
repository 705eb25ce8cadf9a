// Which reads of the API a round of the observer makes for a mode (issue #36 item 7: the observer's share
// of the engine's requests). Its events come every round. A mode's /status is read when its events did
// not move in the last round (an end with no terminal event, or a stall, shows there), and otherwise at
// most every STATUS_EVERY_MS: while events flow, a terminal event is what ends a mode (observe.ts
// finalState), and a status read then only refreshes the current step shown. A child's /status (read for
// an end it wrote no event for: episodes.ts) is asked only of a child quiet for CHILD_QUIET_MS (one still
// writing events has not ended), every third round, and every round while an end it said waits for the
// second read that confirms it.
import type { Mode } from '../model.js';

export const STATUS_EVERY_MS = 15_000;
export const CHILD_QUIET_MS = 3_000;

export class PollPlan {
  private readonly last = new Map<Mode, { events: number; statusAt: number }>();

  /** Whether this round reads the mode's /status, given its events so far. */
  readStatus(mode: Mode, events: number, now: number): boolean {
    const prev = this.last.get(mode);
    const due = !prev || prev.events === events || now - prev.statusAt >= STATUS_EVERY_MS;
    this.last.set(mode, { events, statusAt: due || !prev ? now : prev.statusAt });
    return due;
  }
}
