// The event feed: every event of a set of executions, exactly once, in order. Cursors alone lose events:
// the Rust server mints an event id before its insert commits, so a row can appear below an id already
// read (noetl-contract §6.4). So each execution keeps a trailing window of what it read (the events of
// the last 5 s by default, --tail-window, at most the last 1,000), re-reads from the window's start on every pull and forwards only
// ids it has not seen. After an execution's terminal event it is read for one more window, then left.
// On a server with no events route (HTTP 404) the feed switches for good to noetl.event by SQL.
import type { NoetlEvent } from '../model.js';
import { cmpId, HttpStatusError, type NoetlClient } from '../noetl/client.js';
import { TERMINAL_TYPES } from '../noetl/events.js';
import type { RowsSource } from './rows.js';

const PAGE = 1000;
/** The default trailing window (--tail-window). */
export const TRAILING_WINDOW_MS = 5000;
const TRAILING_MAX_IDS = 1000;

/** What one execution (or one SQL group) has read: ids in the trailing window, and the floor below it. */
class Trail {
  /** The window in id order from `head` on; ids before `head` have left it (dropped in bulk, not one shift at a time). */
  private recent: Array<{ id: string; at: number }> = [];
  private head = 0;
  private readonly seen = new Set<string>();
  /** Every id at or below this was read and has left the window. */
  base: string | null = null;
  terminalAt: number | null = null;

  constructor(private readonly windowMs: number) {}

  /** Keeps the events not seen before, in id order. */
  take(events: NoetlEvent[], now: number): NoetlEvent[] {
    const fresh: NoetlEvent[] = [];
    for (const e of events) {
      if (this.seen.has(e.eventId) || (this.base !== null && cmpId(e.eventId, this.base) <= 0)) continue;
      this.seen.add(e.eventId);
      fresh.push(e);
      let i = this.recent.length;
      while (i > this.head && cmpId(this.recent[i - 1].id, e.eventId) > 0) i--;
      if (i === this.recent.length) this.recent.push({ id: e.eventId, at: now });
      else this.recent.splice(i, 0, { id: e.eventId, at: now });
      if (TERMINAL_TYPES.has(e.type)) this.terminalAt ??= now;
    }
    while (
      this.head < this.recent.length &&
      (this.recent.length - this.head > TRAILING_MAX_IDS || this.recent[this.head].at < now - this.windowMs)
    ) {
      const old = this.recent[this.head++];
      this.seen.delete(old.id);
      this.base = old.id;
    }
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.head);
      this.head = 0;
    }
    return fresh;
  }

  /** Ended, and read for a whole window since. */
  settled(now: number): boolean {
    return this.terminalAt !== null && now - this.terminalAt >= this.windowMs;
  }
}

export class EventFeed {
  private viaSql = false;
  private readonly trails = new Map<string, Trail>();

  constructor(
    private readonly client: NoetlClient,
    private readonly rows: RowsSource,
    private readonly onSwitch: (message: string) => void = () => {},
    /** How long an event may commit below an id already read (and how long an ended execution is read). */
    readonly windowMs = TRAILING_WINDOW_MS,
  ) {}

  private trail(key: string): Trail {
    let t = this.trails.get(key);
    if (!t) this.trails.set(key, (t = new Trail(this.windowMs)));
    return t;
  }

  /** New events of `ids` (a group, e.g. one mode's parent and children), ordered by event id. */
  async pull(group: string, ids: string[]): Promise<NoetlEvent[]> {
    if (this.viaSql) return this.pullSql(group, ids);
    const batch: NoetlEvent[] = [];
    for (const id of ids) {
      const t = this.trail(id);
      if (t.settled(Date.now())) continue;
      try {
        batch.push(...t.take(await this.readAfter(id, t.base), Date.now()));
      } catch (err) {
        if (!(err instanceof HttpStatusError && err.status === 404)) throw err;
        this.viaSql = true;
        this.onSwitch('the server has no events route; reading noetl.event by SQL cursor');
        return this.pullSql(group, ids);
      }
    }
    // One ordered batch across parent and children, so a tail reads in event order.
    return batch.sort((a, b) => cmpId(a.eventId, b.eventId));
  }

  /** Whether every one of `ids` has ended and been read for a whole trailing window since. */
  settled(ids: string[]): boolean {
    const now = Date.now();
    return ids.every((id) =>
      this.viaSql ? [...this.trails.values()].every((t) => t.settled(now)) : this.trail(id).settled(now),
    );
  }

  private async readAfter(id: string, after: string | null): Promise<NoetlEvent[]> {
    const out: NoetlEvent[] = [];
    let cursor = after;
    for (let page = 0; page < 100; page++) {
      const evs = await this.client.eventsAfter(id, cursor, PAGE);
      out.push(...evs);
      if (evs.length < PAGE || this.client.dialect === 'python') break; // the Python route reads to the end itself
      cursor = evs[evs.length - 1].eventId;
    }
    return out;
  }

  private async pullSql(group: string, ids: string[]): Promise<NoetlEvent[]> {
    const t = this.trail(`sql:${group}`);
    const out: NoetlEvent[] = [];
    let cursor = t.base;
    for (let page = 0; page < 100; page++) {
      const evs = await this.rows.eventsAfter(ids, cursor, PAGE);
      out.push(...evs);
      if (evs.length < PAGE) break;
      cursor = evs[evs.length - 1].eventId;
    }
    return t.take(out, Date.now());
  }
}
