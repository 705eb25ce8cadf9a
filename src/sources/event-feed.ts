// The event feed: every event of a set of executions, exactly once, in order, each fetched about once.
// Cursors alone lose events: the Rust server mints an event id before its insert commits, so a row can
// appear below an id already read (noetl-contract §6.4). So each execution keeps a trailing window
// (`Trail`: the ids read in the last 5 s by default, --tail-window) above a floor. Each pull reads what is
// after the cursor; then one indexed count per mode (`RowsSource.spanCounts()`, over the system database)
// compares the server's events between floor and cursor with the ids held, and only where they differ are
// the ids not held read. Without the system database the window is re-read instead (every pull, and only
// unseen ids forwarded). After an execution's terminal event it is followed for one more window, then
// left; a last count (`confirmAtEnd()`) reads what was committed after that above the floor, and says how
// many of its events were never read (below the floor), so such a loss is a figure and a line, never silent. On a server with no events route
// (HTTP 404) the feed switches for good to noetl.event by SQL.
import { engineDialect } from '../engine-dialects.js';
import type { NoetlEvent } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import { cmpId, HttpStatusError } from '../noetl/normalise.js';
import type { RowsSource } from './rows.js';
import { type Span, Trail } from './trail.js';

const PAGE = 1000;
/** The default trailing window (--tail-window). */
export const TRAILING_WINDOW_MS = 5000;

/** What the feed read, for summary.json's `observer`: reads per event and bytes per event against the floor. */
export interface FeedFigures {
  /** Distinct events forwarded. */
  events: number;
  /** Events returned by every read, duplicates and re-reads included. */
  events_read: number;
  /** Bytes of those reads (HTTP bodies; for SQL the values' text). */
  bytes_read: number;
  /** Bytes of the fields the tool uses, once per distinct event. */
  bytes_used: number;
  /** Counts of the trailing windows, and reads of what they found missing. */
  probes: number;
  probe_reads: number;
  /** Late commits found below a cursor. */
  late: number;
  /** How late commits are found: `count` (one indexed count per mode) or `re-read` (no system database). */
  window_check: 'count' | 're-read';
  /**
   * Events the server held for the run's ended executions at the end that the feed never read (committed
   * later than the trailing window); null where it could not be counted (no system database).
   */
  unread_at_end: number | null;
}

/** The highest event id (bigint): a span up to it holds every event of an execution. */
const LAST_ID = '9223372036854775807';

const usedBytes = (e: NoetlEvent) =>
  e.eventId.length +
  e.executionId.length +
  e.type.length +
  (e.node?.length ?? 0) +
  (e.status?.length ?? 0) +
  (e.createdAt?.length ?? 0);

export class EventFeed {
  private viaSql = false;
  /** Set once a count could not run (no system database): the window is re-read from then on. */
  private counting: boolean;
  private readonly trails = new Map<string, Trail>();
  private readonly f = { events: 0, events_read: 0, bytes_used: 0, probes: 0, probe_reads: 0, late: 0 };
  private unread: number | null = null;
  private sqlBytes = 0;

  constructor(
    private readonly client: NoetlClient,
    private readonly rows: RowsSource,
    /** A line for the run's log (a change of reading, events left unread). */
    private readonly warn: (message: string) => void = () => {},
    /** How long an event may commit below an id already read (and how long an ended execution is read). */
    readonly windowMs = TRAILING_WINDOW_MS,
  ) {
    this.counting = rows.system !== undefined;
    // The legacy Python server redacts every event's result on each page of its events route (noetl 4.26.0
    // noetl/server/api/execution/endpoint.py 165 `_deserialize_event_row` → `redact_keychain_values`): with
    // 64 KB results py-spy put its busy time there, serving this tool's polls, so the observer was the
    // load. With the system database at hand, events are read from it instead (no result column).
    if (rows.system?.kind === 'direct' && engineDialect(client.dialect).redactsServedEvents && !client.sandbox) {
      this.viaSql = true;
      this.warn('reading noetl.event by SQL: the Python server redacts every result it serves on its events route');
    }
  }

  private trail(key: string): Trail {
    let t = this.trails.get(key);
    if (!t) this.trails.set(key, (t = new Trail(this.windowMs)));
    return t;
  }

  /**
   * New events of `ids` (a group, e.g. one mode's parent and children), ordered by event id. `keepOpen`:
   * read an ended execution past its trailing window too (its commands still run after its end).
   */
  async pull(group: string, ids: string[], keepOpen = false): Promise<NoetlEvent[]> {
    const now = Date.now();
    const open = this.readings(group, ids).filter((o) => this.viaSql || keepOpen || !this.trail(o.key).settled(now));
    const batch: NoetlEvent[] = [];
    for (const o of open) {
      const t = this.trail(o.key);
      const after = this.counting ? t.cursor : t.floor;
      try {
        batch.push(...this.count(t.take(await this.readAfter(o.ids, after), Date.now())));
      } catch (err) {
        if (this.viaSql || !(err instanceof HttpStatusError && err.status === 404)) throw err;
        this.viaSql = true;
        this.warn('the server has no events route; reading noetl.event by SQL cursor');
        return this.pull(group, ids, keepOpen);
      }
    }
    if (this.counting) batch.push(...(await this.checkWindows(open)));
    for (const o of open) this.trail(o.key).expire(Date.now());
    // One ordered batch across parent and children, so a tail reads in event order.
    return batch.sort((a, b) => cmpId(a.eventId, b.eventId));
  }

  /** What one pull reads, each under its trail's key: the group at once by SQL, else each execution by its route. */
  private readings(group: string, ids: string[]): Array<{ key: string; ids: string[] }> {
    return this.viaSql ? [{ key: `sql:${group}`, ids }] : ids.map((id) => ({ key: id, ids: [id] }));
  }

  /** Whether every one of `ids` has ended and been read for a whole trailing window since. */
  settled(ids: string[]): boolean {
    const now = Date.now();
    if (this.viaSql) return [...this.trails].every(([key, t]) => !key.startsWith('sql:') || t.settled(now));
    return ids.every((id) => this.trail(id).settled(now));
  }

  figures(): FeedFigures {
    return {
      ...this.f,
      bytes_read: this.client.eventBytes + this.sqlBytes,
      window_check: this.counting ? 'count' : 're-read',
      unread_at_end: this.unread,
    };
  }

  /**
   * Once, after the last drain: each ended execution's events on the server (one indexed count) against
   * those the feed forwarded. Where the server has more (an event committed after the feed left the
   * execution: the legacy engine's batch.completed after playbook.completed, seen on 4.26.0), what lies
   * above the execution's floor is read now and returned to be recorded; what lies below it is never read,
   * and is `unread_at_end` and a log line. Nothing without a system database.
   */
  async confirmAtEnd<G extends string>(
    groups: Array<{ group: G; ids: string[] }>,
  ): Promise<Array<{ group: G; events: NoetlEvent[] }>> {
    if (!this.rows.system || !groups.length) return [];
    const items = groups.flatMap((g) => this.readings(g.group, g.ids).map((r) => ({ ...r, group: g.group })));
    const counts = await this.rows.spanCounts(items.map((i) => ({ ids: i.ids, lo: '0', hi: LAST_ID })));
    this.unread ??= 0;
    const found: Array<{ group: G; events: NoetlEvent[] }> = [];
    for (const [k, item] of items.entries()) {
      const t = this.trail(item.key);
      if (counts[k] <= t.taken) continue;
      found.push({ group: item.group, events: await this.readLate(t, item.ids, t.floor ?? '0', LAST_ID) });
      const unread = counts[k] - t.taken;
      if (unread <= 0) continue;
      this.unread += unread;
      this.warn(
        `${unread} event(s) of ${item.ids.join(', ')} committed later than the trailing window ` +
          `(${this.windowMs} ms) and were never read`,
      );
    }
    return found;
  }

  private count(fresh: NoetlEvent[]): NoetlEvent[] {
    this.f.events += fresh.length;
    for (const e of fresh) this.f.bytes_used += usedBytes(e);
    return fresh;
  }

  /**
   * One count of every open window; where the server has more events between floor and cursor than the
   * window holds, the ids not held are read (late commits). A count that cannot run turns counting off.
   */
  private async checkWindows(open: Array<{ key: string; ids: string[] }>): Promise<NoetlEvent[]> {
    const spans: Array<{ o: (typeof open)[number]; t: Trail; span: Span }> = [];
    for (const o of open) {
      const t = this.trail(o.key);
      const span = t.span();
      if (span) spans.push({ o, t, span });
    }
    if (!spans.length) return [];
    let counts: number[];
    try {
      this.f.probes++;
      counts = await this.rows.spanCounts(spans.map((s) => ({ ids: s.o.ids, lo: s.span.lo, hi: s.span.hi })));
    } catch (err) {
      this.counting = false;
      this.warn(`counting the trailing window failed (${(err as Error).message}); re-reading it instead`);
      return [];
    }
    const found: NoetlEvent[] = [];
    for (const [i, s] of spans.entries()) {
      if (counts[i] <= s.span.held) continue;
      found.push(...(await this.readLate(s.t, s.o.ids, s.span.lo, s.span.hi)));
    }
    return found;
  }

  /** The events of `ids` above `lo` up to `hi` that `t` does not hold, read by SQL and taken (late commits). */
  private async readLate(t: Trail, ids: string[], lo: string, hi: string): Promise<NoetlEvent[]> {
    this.f.probe_reads++;
    const evs = await this.rows.eventsInSpan(ids, lo, hi, t.heldIds());
    this.note(evs);
    const late = this.count(t.take(evs, Date.now()));
    this.f.late += late.length;
    return late;
  }

  private note(evs: NoetlEvent[], viaSql = true): void {
    this.f.events_read += evs.length;
    // A DataRow's framing: 7 bytes of header and 4 of length per column, six columns.
    if (viaSql) for (const e of evs) this.sqlBytes += usedBytes(e) + 31;
  }

  private async readAfter(ids: string[], after: string | null): Promise<NoetlEvent[]> {
    const out: NoetlEvent[] = [];
    let cursor = after;
    for (let page = 0; page < 100; page++) {
      const evs = this.viaSql
        ? await this.rows.eventsAfter(ids, cursor, PAGE)
        : await this.client.eventsAfter(ids[0], cursor, PAGE);
      this.note(evs, this.viaSql);
      out.push(...evs);
      // The Python route reads to the end itself.
      if (
        evs.length < PAGE ||
        (!this.viaSql && engineDialect(this.client.dialect).eventsRoute === 'pages-newest-first')
      )
        break;
      cursor = evs[evs.length - 1].eventId;
    }
    return out;
  }
}
