// Row counts, missing items, child executions and events read from Postgres: directly (pg pool) or,
// with no direct connection, through the server's query endpoint (noetl-contract §1.6 quirks honoured:
// ids and timestamps cast to text, one statement per call, no bind parameters).
import pg from 'pg';
import { envError, usageError } from '../errors.js';
import type { ChildExecution, ModeStats, NoetlEvent, Range } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import { redact } from '../redact.js';
import { inline, q, type Sql } from './sql.js';

export interface RowsSource {
  readonly kind: 'direct' | 'query-endpoint';
  queries: number;
  stats(executionId: string): Promise<ModeStats>;
  missingRanges(executionId: string, expected: number): Promise<Range[]>;
  children(parentIds: string[]): Promise<ChildExecution[]>;
  eventsAfter(executionIds: string[], after: string | null, limit: number): Promise<NoetlEvent[]>;
  summarize(executionId: string): Promise<unknown>;
  workload(executionId: string): Promise<Record<string, unknown> | null>;
  /** Checks that SQL runs at all (independent of the fixture tables). */
  ping(): Promise<void>;
  /** The execution id a launch id started, if its start event exists. */
  launched(launchId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

const EMPTY: ModeStats = { storedRows: 0, okRows: 0, minItemId: null, maxItemId: null, avgRequestBytes: 0, avgResponseBytes: 0, firstAt: null, lastAt: null, perBatch: {} };
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const UNDEFINED_TABLE = /relation "public\.heavy_payload_results" does not exist|42P01/;

abstract class BaseRows implements RowsSource {
  abstract readonly kind: 'direct' | 'query-endpoint';
  queries = 0;
  protected abstract run(sql: Sql, schema?: string): Promise<Record<string, unknown>[]>;

  async stats(executionId: string): Promise<ModeStats> {
    let rows: Record<string, unknown>[];
    let batches: Record<string, unknown>[];
    try {
      rows = await this.run(q.stats(executionId));
      batches = await this.run(q.perBatch(executionId));
    } catch (err) {
      if (UNDEFINED_TABLE.test((err as Error).message)) return { ...EMPTY, perBatch: {} }; // the playbook has not created it yet
      throw err;
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

  async missingRanges(executionId: string, expected: number): Promise<Range[]> {
    if (expected <= 0) return [];
    try {
      const rows = await this.run(q.missingRanges(executionId, expected));
      return rows.map((r) => [Number(r.lo), Number(r.hi)] as Range);
    } catch (err) {
      if (UNDEFINED_TABLE.test((err as Error).message)) return [[1, expected]];
      throw err;
    }
  }

  async children(parentIds: string[]): Promise<ChildExecution[]> {
    if (!parentIds.length) return [];
    const rows = await this.run(q.children(parentIds));
    return rows.map((r) => ({
      executionId: String(r.execution_id),
      parentExecutionId: String(r.parent_execution_id),
      batchNumber: r.batch_number === null || r.batch_number === undefined || r.batch_number === '' ? null : Number(r.batch_number),
    }));
  }

  async eventsAfter(executionIds: string[], after: string | null, limit: number): Promise<NoetlEvent[]> {
    if (!executionIds.length) return [];
    const rows = await this.run(q.eventsAfter(executionIds, after ?? '0', limit));
    return rows.map((r) => ({
      eventId: String(r.event_id),
      executionId: String(r.execution_id),
      type: String(r.event_type),
      node: (r.node_name as string | null) ?? null,
      status: (r.status as string | null) ?? null,
      createdAt: (r.created_at as string | null) ?? null,
    }));
  }

  async summarize(executionId: string): Promise<unknown> {
    const rows = await this.run(q.summarize(executionId));
    return rows[0]?.data ?? null;
  }

  async launched(launchId: string): Promise<string | undefined> {
    const rows = await this.run(q.launched(launchId));
    return rows[0] ? String(rows[0].execution_id) : undefined;
  }

  async ping(): Promise<void> {
    await this.run({ text: 'SELECT 1 AS ok', params: [] });
  }

  async workload(executionId: string): Promise<Record<string, unknown> | null> {
    const rows = await this.run(q.workload(executionId));
    const w = rows[0]?.workload;
    return w && typeof w === 'object' ? (w as Record<string, unknown>) : null;
  }

  abstract close(): Promise<void>;
}

const RETRYABLE = /terminating connection|Connection terminated|ECONNRESET|ECONNREFUSED|server closed the connection|57P01|connection timeout/i;

export class DirectRows extends BaseRows {
  readonly kind = 'direct' as const;
  private readonly pool: pg.Pool;

  constructor(url: string) {
    super();
    try {
      new URL(url);
    } catch {
      throw usageError(`--pg-url ${JSON.stringify(redact(url))} is not a valid URL`, 'expected postgres://user:password@host:port/db');
    }
    if (!/^postgres(ql)?:$/.test(new URL(url).protocol)) throw usageError(`--pg-url ${JSON.stringify(redact(url))} must start with postgres://`);
    this.pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000, idleTimeoutMillis: 10_000, statement_timeout: 30_000, application_name: 'noetl-loadrun' });
    // A terminated backend surfaces here for idle clients; the pool drops them and the next query reconnects.
    this.pool.on('error', () => {});
  }

  async check(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      throw envError(`Postgres unreachable: ${redact((err as Error).message)}`, 'check --pg-url (host, port, credentials)');
    }
  }

  protected async run(sql: Sql): Promise<Record<string, unknown>[]> {
    for (let attempt = 1; ; attempt++) {
      this.queries++;
      try {
        const r = await this.pool.query(sql.text, sql.params);
        return r.rows;
      } catch (err) {
        const msg = (err as Error).message;
        if (attempt < 3 && RETRYABLE.test(`${msg} ${(err as { code?: string }).code ?? ''}`)) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        throw new Error(redact(msg));
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

export class EndpointRows extends BaseRows {
  readonly kind = 'query-endpoint' as const;
  constructor(private readonly client: NoetlClient) {
    super();
  }
  protected async run(sql: Sql): Promise<Record<string, unknown>[]> {
    this.queries++;
    return this.client.query(inline(sql), 'public');
  }
  async close(): Promise<void> {}
}
