// What the observer reads by SQL, from the two databases of a NoETL deployment (noetl-contract §6.1):
// the system database (noetl.event: child executions, events, the summarize result, workloads, launch
// ids) and the data database of the fixture's credential (public.heavy_payload_results: row counts,
// missing items). Either may be missing: without a system database the features that need it say so;
// a fixture table that does not exist where the tool looks is an error naming the database and the flag.
import { envError } from '../errors.js';
import type { ChildExecution, ModeStats, NoetlEvent, Range } from '../model.js';
import { q } from './sql.js';
import type { Row, SqlRunner } from './sql-runner.js';

export type { SqlRunner } from './sql-runner.js';

/** A mode with no row stored yet. */
export const EMPTY_STATS: ModeStats = {
  storedRows: 0,
  okRows: 0,
  minItemId: null,
  maxItemId: null,
  avgRequestBytes: 0,
  avgResponseBytes: 0,
  firstAt: null,
  lastAt: null,
  perBatch: {},
};
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const UNDEFINED_TABLE = /relation "public\.heavy_payload_(results|source)" does not exist|42P01/;

export class RowsSource {
  /** Set once a read found no fixture table in the data database. */
  tableMissing = false;

  constructor(
    readonly data: SqlRunner,
    readonly system: SqlRunner | undefined,
    /** What to tell the user when the fixture table is not where we look. */
    private readonly dataHint = 'the fixture writes to the database of its pg_auth credential: give --data-pg-url',
  ) {}

  get queries(): number {
    return this.data.queries + (this.system && this.system !== this.data ? this.system.queries : 0);
  }

  private sys(what: string): SqlRunner {
    if (!this.system)
      throw envError(
        `${what} needs the NoETL system database, and neither a direct connection nor the query endpoint is available`,
        'give --pg-url',
      );
    return this.system;
  }

  private noTable(): Error {
    return envError(`public.heavy_payload_results does not exist in ${this.data.where}`, this.dataHint);
  }

  /** Row counts of one execution; zeros (and tableMissing) while the playbook has not created the table yet. */
  async stats(executionId: string): Promise<ModeStats> {
    let rows: Row[];
    let batches: Row[];
    try {
      // Two scans of the execution's rows, side by side (each a few ms at 20,000 rows).
      [rows, batches] = await Promise.all([
        this.data.run(q.stats(executionId)),
        this.data.run(q.perBatch(executionId)),
      ]);
      this.tableMissing = false;
    } catch (err) {
      if (!UNDEFINED_TABLE.test((err as Error).message)) throw err;
      this.tableMissing = true;
      return { ...EMPTY_STATS, perBatch: {} };
    }
    const r = rows[0] ?? {};
    const perBatch: Record<string, number> = {};
    for (const b of batches) perBatch[String(b.batch_number)] = Number(b.rows);
    return {
      storedRows: Number(r.stored_rows ?? 0),
      okRows: Number(r.ok_rows ?? 0),
      minItemId: num(r.min_item_id),
      maxItemId: num(r.max_item_id),
      avgRequestBytes: Number(r.avg_request_bytes ?? 0),
      avgResponseBytes: Number(r.avg_response_bytes ?? 0),
      firstAt: num(r.first_at),
      lastAt: num(r.last_at),
      perBatch,
    };
  }

  /** Missing item ids 1..expected; a missing fixture table is an error, never "everything missing". */
  async missingRanges(executionId: string, expected: number): Promise<Range[]> {
    if (expected <= 0) return [];
    try {
      return (await this.data.run(q.missingRanges(executionId, expected))).map(
        (r) => [Number(r.lo), Number(r.hi)] as Range,
      );
    } catch (err) {
      if (UNDEFINED_TABLE.test((err as Error).message)) throw this.noTable();
      throw err;
    }
  }

  async children(parentIds: string[]): Promise<ChildExecution[]> {
    if (!parentIds.length) return [];
    const rows = await this.sys('following child executions').run(q.children(parentIds));
    return rows.map((r) => ({
      executionId: String(r.execution_id),
      parentExecutionId: String(r.parent_execution_id),
      inputParent: /^\d+$/.test(String(r.input_parent ?? '')) ? String(r.input_parent) : null,
      batchNumber:
        r.batch_number === null || r.batch_number === undefined || r.batch_number === ''
          ? null
          : Number(r.batch_number),
    }));
  }

  async eventsAfter(executionIds: string[], after: string | null, limit: number): Promise<NoetlEvent[]> {
    if (!executionIds.length) return [];
    return feedEvents(await this.sys('reading events by SQL').run(q.eventsAfter(executionIds, after ?? '0', limit)));
  }

  /** Per span, how many events the system database holds above `lo` up to `hi` (the feed's late-commit check). */
  async spanCounts(spans: Array<{ ids: string[]; lo: string; hi: string }>): Promise<number[]> {
    const cols: [string[], string[], string[], string[]] = [[], [], [], []];
    spans.forEach((s, k) => {
      for (const id of s.ids) {
        cols[0].push(String(k));
        cols[1].push(id);
        cols[2].push(s.lo);
        cols[3].push(s.hi);
      }
    });
    const rows = await this.sys('counting the trailing window').run(q.spanCounts(...cols));
    const counts = spans.map(() => 0);
    for (const r of rows) counts[Number(r.k)] = Number(r.n);
    return counts;
  }

  /** The events of a span other than `held`, in id order. */
  async eventsInSpan(ids: string[], lo: string, hi: string, held: string[]): Promise<NoetlEvent[]> {
    return feedEvents(await this.sys('reading late events').run(q.eventsInSpan(ids, lo, hi, held)));
  }

  /** The summarize result: from the execution's last 500 events first, the whole execution only if not there. */
  async summarize(executionId: string): Promise<unknown> {
    const sys = this.sys('the summarize result');
    const tail = (await sys.run(q.summarize(executionId, 500)))[0];
    return (tail ?? (await sys.run(q.summarize(executionId)))[0])?.data ?? null;
  }

  async fixtureTablesExist(): Promise<boolean> {
    return (await this.data.run(q.fixtureTables()))[0]?.present === true;
  }

  /** Per execution, how many command events it wrote in the last `seconds` (0 when none). */
  async recentCommands(executionIds: string[], seconds: number): Promise<Map<string, number>> {
    const out = new Map(executionIds.map((id) => [id, 0]));
    if (!executionIds.length) return out;
    for (const r of await this.sys('checking earlier runs').run(q.recentCommands(executionIds, seconds)))
      out.set(String(r.execution_id), Number(r.n));
    return out;
  }

  async launched(launchId: string): Promise<string | undefined> {
    const rows = await this.sys('checking whether a launch started').run(q.launched(launchId));
    return rows[0] ? String(rows[0].execution_id) : undefined;
  }

  async workload(executionId: string): Promise<Record<string, unknown> | null> {
    const w = (await this.sys("an execution's workload").run(q.workload(executionId)))[0]?.workload;
    return w && typeof w === 'object' ? (w as Record<string, unknown>) : null;
  }

  /**
   * The fixture rows of executions in the data database (`delete` removes them, in one statement). Only
   * through a direct connection: a write is never sent through the query endpoint.
   */
  async cleanupRows(executionIds: string[], remove: boolean): Promise<{ results: number; source: number }> {
    if (this.data.kind !== 'direct')
      throw envError('cleanup writes only through a direct connection to the data database', 'give --data-pg-url');
    try {
      const r = (await this.data.run(remove ? q.cleanupDelete(executionIds) : q.cleanupCounts(executionIds)))[0] ?? {};
      return { results: Number(r.results ?? 0), source: Number(r.source ?? 0) };
    } catch (err) {
      if (UNDEFINED_TABLE.test((err as Error).message)) throw this.noTable();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.data.close();
    if (this.system && this.system !== this.data) await this.system.close();
  }
}

function feedEvents(rows: Row[]): NoetlEvent[] {
  return rows.map((r) => ({
    eventId: String(r.event_id),
    executionId: String(r.execution_id),
    type: String(r.event_type),
    node: (r.node_name as string | null) ?? null,
    status: (r.status as string | null) ?? null,
    createdAt: (r.created_at as string | null) ?? null,
  }));
}
