// What the event feed has read of one execution (or of one SQL group): the cursor (the highest id read),
// the trailing window (every id read in the last window, in id order) and the floor under it (every id at
// or below it was read and has left the window). An event that commits late lands between the floor and
// the cursor; the feed finds it by comparing the server's count of that span with `held`.
import type { NoetlEvent } from '../model.js';
import { cmpId } from '../noetl/normalise.js';
import { TERMINAL_TYPES } from '../noetl/events.js';

/** At most this many ids in one window (memory: about 100 bytes each); beyond it the oldest leave early. */
export const TRAIL_MAX_IDS = 20_000;

/** The span a probe counts: ids above `lo` up to `hi`, of which `held` were read. */
export interface Span {
  lo: string;
  hi: string;
  held: number;
}

export class Trail {
  /** The window in id order from `head` on; ids before `head` have left it (dropped in bulk, not one shift at a time). */
  private recent: Array<{ id: string; at: number }> = [];
  private head = 0;
  private readonly seen = new Set<string>();
  /** Every id at or below this was read and has left the window. */
  floor: string | null = null;
  /** The highest id read. */
  cursor: string | null = null;
  terminalAt: number | null = null;
  /** Events taken in all (forwarded once each). */
  taken = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxIds = TRAIL_MAX_IDS,
  ) {}

  /** Keeps the events not seen before, in id order. */
  take(events: NoetlEvent[], now: number): NoetlEvent[] {
    const fresh: NoetlEvent[] = [];
    for (const e of events) {
      if (this.seen.has(e.eventId) || (this.floor !== null && cmpId(e.eventId, this.floor) <= 0)) continue;
      this.seen.add(e.eventId);
      fresh.push(e);
      this.taken++;
      let i = this.recent.length;
      while (i > this.head && cmpId(this.recent[i - 1].id, e.eventId) > 0) i--;
      if (i === this.recent.length) this.recent.push({ id: e.eventId, at: now });
      else this.recent.splice(i, 0, { id: e.eventId, at: now });
      if (this.cursor === null || cmpId(e.eventId, this.cursor) > 0) this.cursor = e.eventId;
      if (TERMINAL_TYPES.has(e.type)) this.terminalAt ??= now;
    }
    return fresh;
  }

  /** Ids read more than a window ago leave it, lowest first; the floor rises to the last of them. */
  expire(now: number): void {
    while (
      this.head < this.recent.length &&
      (this.recent.length - this.head > this.maxIds || this.recent[this.head].at < now - this.windowMs)
    ) {
      const old = this.recent[this.head++];
      this.seen.delete(old.id);
      this.floor = old.id;
    }
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.head);
      this.head = 0;
    }
  }

  /** The span between the floor and the cursor, while the window holds anything. */
  span(): Span | undefined {
    if (this.cursor === null || this.head >= this.recent.length) return undefined;
    return { lo: this.floor ?? '0', hi: this.cursor, held: this.recent.length - this.head };
  }

  /** The ids the window holds (what a re-read of the span must not return again). */
  heldIds(): string[] {
    return this.recent.slice(this.head).map((r) => r.id);
  }

  /** Ended, and read for a whole window since. */
  settled(now: number): boolean {
    return this.terminalAt !== null && now - this.terminalAt >= this.windowMs;
  }
}
