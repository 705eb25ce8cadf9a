// Where SQL runs: a direct pg pool (any database) or the NoETL server's query endpoint, which only ever
// sees the NoETL system database (noetl-contract §1.6, §6.1) and may be closed (§6.2). Observer SQL is
// read-only; nothing here sends a write through the endpoint.
import pg from 'pg';
import { envError } from '../errors.js';
import { parsePgUrl } from './pg-url.js';
import type { NoetlClient } from '../noetl/client.js';
import { redact } from '../redact.js';
import { inline, type Sql } from './sql.js';

export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly kind: 'direct' | 'query-endpoint';
  /** Which database, for messages: `demo_noetl on 127.0.0.1:5432` (never a password). */
  readonly where: string;
  queries: number;
  run(sql: Sql): Promise<Row[]>;
  close(): Promise<void>;
}

const RETRYABLE =
  /terminating connection|Connection terminated|ECONNRESET|ECONNREFUSED|server closed the connection|57P01|connection timeout/i;

export class DirectSql implements SqlRunner {
  readonly kind = 'direct' as const;
  readonly where: string;
  queries = 0;
  private readonly pool: pg.Pool;

  constructor(url: string, flag = '--pg-url') {
    const u = parsePgUrl(url, flag);
    this.where = `${u.pathname.replace(/^\//, '') || 'postgres'} on ${u.hostname}:${u.port || 5432}`;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      application_name: 'noetl-loadrun',
    });
    // A terminated backend surfaces here for idle clients; the pool drops them and the next query reconnects.
    this.pool.on('error', () => {});
  }

  async check(hint: string): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      throw envError(`Postgres unreachable: ${redact((err as Error).message)} (${this.where})`, hint);
    }
  }

  async run(sql: Sql): Promise<Row[]> {
    for (let attempt = 1; ; attempt++) {
      this.queries++;
      try {
        return (await this.pool.query(sql.text, sql.params)).rows;
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

export class EndpointSql implements SqlRunner {
  readonly kind = 'query-endpoint' as const;
  readonly where: string;
  queries = 0;

  constructor(private readonly client: NoetlClient) {
    this.where = `the NoETL system database through ${client.baseUrl}/api/postgres/execute`;
  }

  async run(sql: Sql): Promise<Row[]> {
    this.queries++;
    return this.client.query(inline(sql));
  }

  async close(): Promise<void> {}
}
