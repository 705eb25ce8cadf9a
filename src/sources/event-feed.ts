// The event feed: every event of a set of executions, once, in order. It keeps a cursor per execution on
// the server's events route and stops reading an execution after its terminal event; on a server with
// no events route (HTTP 404) it switches for good to reading noetl.event by SQL cursor.
import type { NoetlEvent } from '../model.js';
import { cmpId, HttpStatusError, type NoetlClient } from '../noetl/client.js';
import { TERMINAL_TYPES } from '../noetl/events.js';
import type { RowsSource } from './rows.js';

const PAGE = 500;
const SQL_PAGE = 1000;

export class EventFeed {
  private viaSql = false;
  private readonly cursors = new Map<string, string | null>();
  private readonly drained = new Set<string>();
  private readonly sqlCursors = new Map<string, string>();

  constructor(
    private readonly client: NoetlClient,
    private readonly rows: RowsSource,
    private readonly onSwitch: (message: string) => void = () => {},
  ) {}

  /** New events of `ids` (a group, e.g. one mode's parent and children), ordered by event id. */
  async pull(group: string, ids: string[]): Promise<NoetlEvent[]> {
    if (this.viaSql) return this.pullSql(group, ids);
    const batch: NoetlEvent[] = [];
    for (const id of ids) {
      if (this.drained.has(id)) continue;
      try {
        batch.push(...(await this.pullOne(id)));
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

  private async pullOne(id: string): Promise<NoetlEvent[]> {
    const out: NoetlEvent[] = [];
    for (let page = 0; page < 20; page++) {
      const evs = await this.client.eventsAfter(id, this.cursors.get(id) ?? null, PAGE);
      if (evs.length) this.cursors.set(id, evs[evs.length - 1].eventId);
      out.push(...evs);
      if (evs.some((e) => TERMINAL_TYPES.has(e.type))) this.drained.add(id);
      if (evs.length < PAGE) break;
    }
    return out;
  }

  private async pullSql(group: string, ids: string[]): Promise<NoetlEvent[]> {
    const out: NoetlEvent[] = [];
    for (;;) {
      const evs = await this.rows.eventsAfter(ids, this.sqlCursors.get(group) ?? null, SQL_PAGE);
      if (evs.length) this.sqlCursors.set(group, evs[evs.length - 1].eventId);
      out.push(...evs);
      if (evs.length < SQL_PAGE) return out;
    }
  }
}
