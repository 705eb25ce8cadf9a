// The NoETL HTTP client (undici): both server dialects normalised, ids kept as strings end to end,
// a timeout on every call, retries with backoff only for idempotent calls (never of a /status read: a server
// still answering the read given up on would pay twice, seconds of CPU on 4.26.0: poll-plan.ts), one-line errors.
import { Agent, request, type Dispatcher } from 'undici';
import { engineDialect } from '../engine-dialects.js';
import { envError } from '../errors.js';
import { idString, parseJson, stringifyJson } from '../json.js';
import type { Dialect, NoetlEvent, NormalStatus } from '../model.js';
import {
  assertId,
  cmpId,
  describeNetworkError,
  errorCode,
  executeRefusal,
  HttpStatusError,
  normaliseEvent,
  normaliseStatus,
} from './normalise.js';

export { assertId, cmpId, HttpStatusError, normaliseStatus } from './normalise.js';

export interface ClientOptions {
  baseUrl: string;
  /** Through the NoETL gateway: every /api/... path is sent as /noetl/... with the session token. */
  gateway?: boolean;
  token?: string;
  requestTimeoutMs?: number;
  retries?: number;
  /** Called for each failed attempt that will be retried (for degraded-state display). */
  onRetry?: (what: string, attempt: number, error: string) => void;
}

/** The events routes, both dialects' (their answers' bytes are counted in `eventBytes`). */
const EVENTS_ROUTE = /^\/api\/(ehdb\/)?executions\/\d+\/events\?/;

export type QueryPolicy = 'open' | 'readonly' | 'gated' | 'disabled' | 'absent' | 'broken';

export class NoetlClient {
  readonly baseUrl: string;
  private agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  dialect: Dialect | undefined;
  version: string | undefined;
  sandbox = false;
  calls = 0;
  /** Bytes of the events routes' answers (the observer's read cost per event). */
  eventBytes = 0;

  constructor(private readonly o: ClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = o.requestTimeoutMs ?? 10_000;
    this.retries = o.retries ?? 3;
    this.agent = this.newAgent();
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (json) h['content-type'] = 'application/json';
    if (this.o.token) {
      h.authorization = `Bearer ${this.o.token}`;
      h['x-session-token'] = this.o.token;
    }
    return h;
  }

  /** One HTTP call with a timeout; idempotent calls retry on network errors and 5xx with backoff. */
  async call(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    what: string,
    idempotent: boolean,
    retry5xx = idempotent,
  ): Promise<{ status: number; text: string }> {
    const attempts = this.retries + 1;
    let last: Error | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.calls++;
      try {
        const res = await request(
          `${this.baseUrl}${this.o.gateway && path.startsWith('/api/') ? `/noetl/${path.slice(5)}` : path}`,
          {
            method: method as Dispatcher.HttpMethod,
            headers: this.headers(body !== undefined),
            body: body === undefined ? undefined : stringifyJson(body),
            dispatcher: this.agent,
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
            signal: AbortSignal.timeout(this.timeoutMs + 1000),
          },
        );
        const text = await res.body.text();
        if (res.statusCode >= 500 && retry5xx && attempt < attempts) {
          last = new HttpStatusError(res.statusCode, text, what);
        } else {
          return { status: res.statusCode, text };
        }
      } catch (err) {
        last = err as Error;
        // A refused connection never reached the server: even a non-idempotent call is safe to repeat.
        if ((!idempotent && errorCode(last) !== 'ECONNREFUSED') || attempt >= attempts) break;
      }
      this.o.onRetry?.(what, attempt, describeNetworkError(last, this.baseUrl));
      await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** (attempt - 1))));
    }
    if (last instanceof HttpStatusError) throw last;
    throw envError(
      `${what}: ${describeNetworkError(last, this.baseUrl)}`,
      `is the NoETL server reachable at ${this.baseUrl}?`,
    );
  }

  private async json(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    what: string,
    idempotent: boolean,
    retry5xx = idempotent,
  ): Promise<Record<string, unknown>> {
    const { status, text } = await this.call(method, path, body, what, idempotent, retry5xx);
    if (EVENTS_ROUTE.test(path)) this.eventBytes += Buffer.byteLength(text);
    if (status < 200 || status >= 300) throw new HttpStatusError(status, text, what);
    try {
      return parseJson(text) as Record<string, unknown>;
    } catch {
      throw envError(
        `${what}: the server answered with non-JSON (${text.slice(0, 80)})`,
        `is ${this.baseUrl} a NoETL server?`,
      );
    }
  }

  async health(): Promise<Record<string, unknown>> {
    return this.json('GET', '/api/health', undefined, 'health check', true);
  }

  /** Detects the dialect: the Rust server's health names its database and nats; the ehdb route is Rust-only. */
  async detectDialect(): Promise<Dialect> {
    const h = await this.health();
    this.version = typeof h.version === 'string' ? h.version : undefined;
    if ('database' in h || 'nats' in h) this.dialect = 'rust';
    else {
      const probe = await this.call('GET', '/api/ehdb/executions/1/events?limit=1', undefined, 'dialect probe', true);
      this.dialect = probe.status === 404 ? 'python' : 'rust';
    }
    const info = await this.call('GET', '/api/sandbox/info', undefined, 'sandbox probe', true).catch(() => undefined);
    this.sandbox = info?.status === 200;
    return this.dialect;
  }

  async sandboxInfo(): Promise<Record<string, unknown>> {
    return this.json('GET', '/api/sandbox/info', undefined, 'sandbox info', true);
  }

  async register(yamlText: string): Promise<{ path: string; version: number; catalogId: string }> {
    const body = { content: Buffer.from(yamlText, 'utf8').toString('base64'), resource_type: 'Playbook' };
    // Repeating a register is harmless (one more version of the same content): retried like an idempotent call.
    const r = await this.json('POST', '/api/catalog/register', body, 'catalog register', true);
    return {
      path: String(r.path),
      version: Number(r.version),
      catalogId: idString(r.catalog_id) ?? String(r.catalog_id),
    };
  }

  async catalogPaths(): Promise<Set<string>> {
    const body = { resource_type: engineDialect(this.dialect).catalogResourceType };
    const r = await this.json('POST', '/api/catalog/list', body, 'catalog list', true);
    const entries = Array.isArray(r.entries) ? (r.entries as Record<string, unknown>[]) : [];
    return new Set(entries.map((e) => String(e.path)));
  }

  async execute(path: string, payload: Record<string, unknown>): Promise<string> {
    const r = await this.json('POST', '/api/execute', { path, payload }, `execute ${path}`, false).catch((err) => {
      throw executeRefusal(err);
    });
    const id = idString(r.execution_id);
    if (!id) throw envError(`execute ${path}: the response carries no execution_id`);
    return id;
  }

  async status(id: string): Promise<NormalStatus> {
    assertId(id);
    const r = await this.json('GET', `/api/executions/${id}/status`, undefined, `status of ${id}`, false);
    return normaliseStatus(r, id);
  }

  /**
   * Events after a cursor, oldest first (engine-dialects.ts eventsRoute). Python's route pages newest first
   * with page_size 10..500 (noetl 4.26.0 noetl/server/api/execution/endpoint.py): every page back to the
   * cursor is read and de-duplicated (pages shift while new events arrive) before sorting.
   */
  async eventsAfter(id: string, after: string | null, limit = 500): Promise<NoetlEvent[]> {
    assertId(id);
    const newestFirst = engineDialect(this.dialect).eventsRoute === 'pages-newest-first';
    return newestFirst ? this.pythonEventsAfter(id, after) : this.rustEventsAfter(id, after, limit);
  }

  private async rustEventsAfter(id: string, after: string | null, limit: number): Promise<NoetlEvent[]> {
    const qs = new URLSearchParams({ limit: String(Math.min(limit, 1000)) });
    if (after) qs.set('after', after);
    const r = await this.json('GET', `/api/ehdb/executions/${id}/events?${qs}`, undefined, `events of ${id}`, true);
    return ((r.events as Record<string, unknown>[]) ?? [])
      .map((e) => normaliseEvent(e, id))
      .filter((e): e is NoetlEvent => Boolean(e));
  }

  private async pythonEventsAfter(id: string, after: string | null): Promise<NoetlEvent[]> {
    const byId = new Map<string, NoetlEvent>();
    for (let page = 1; page <= 1000; page++) {
      const qs = new URLSearchParams({ page: String(page), page_size: '500' });
      if (after) qs.set('since_event_id', after);
      const r = await this.json('GET', `/api/executions/${id}/events?${qs}`, undefined, `events of ${id}`, true);
      const events = (r.events as Record<string, unknown>[]) ?? [];
      for (const e of events) {
        const n = normaliseEvent(e, id);
        if (n) byId.set(n.eventId, n);
      }
      if (!events.length || !(r.pagination as Record<string, unknown> | undefined)?.has_next) break;
    }
    return [...byId.values()].sort((a, b) => cmpId(a.eventId, b.eventId));
  }

  // SQL through the query endpoint (rows as objects; Rust errors are HTTP 500, Python's 200). No `schema`: Rust
  // sets search_path on a connection of its own pool for it (server src/handlers/database.rs 116-120 @d9ec700).
  async query(sql: string): Promise<Record<string, unknown>[]> {
    // A SQL error is a 500 on the Rust server: repeating the same statement will not help.
    const r = await this.json('POST', '/api/postgres/execute', { query: sql }, 'query endpoint', true, false);
    if (r.status === 'error') throw envError(`query endpoint: ${String(r.error).slice(0, 200)}`);
    return Array.isArray(r.result) ? (r.result as Record<string, unknown>[]) : [];
  }

  /**
   * A credential's data (GET /api/credentials/{name}?include_data=true, noetl/server
   * src/handlers/credentials.rs `get`); undefined when the server has none by that name.
   */
  async credential(name: string): Promise<Record<string, unknown> | undefined> {
    const { status, text } = await this.call(
      'GET',
      `/api/credentials/${encodeURIComponent(name)}?include_data=true`,
      undefined,
      `credential ${name}`,
      true,
    );
    if (status === 404) return undefined;
    if (status < 200 || status >= 300) throw new HttpStatusError(status, text, `credential ${name}`);
    const body = parseJson(text) as Record<string, unknown>;
    return body.data && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : undefined;
  }

  /**
   * What the query endpoint allows (noetl-contract §6.2, §7.6): a SELECT tells open/readonly from gated
   * (401, 403) and disabled (422 naming NOETL_DATABASE_ROUTES_AUTH; 501 from older servers) or absent (404); a read-only EXPLAIN tells open from readonly. Never a write.
   */
  async queryPolicy(): Promise<{ policy: QueryPolicy; detail: string }> {
    const probe = (sql: string) =>
      this.call('POST', '/api/postgres/execute', { query: sql }, 'query endpoint probe', true, false);
    const first = await probe('SELECT 1 AS ok');
    const detail = `HTTP ${first.status}`;
    if (first.status === 404 || first.status === 405) return { policy: 'absent', detail };
    if (first.status === 501 || (first.status === 422 && /NOETL_DATABASE_ROUTES_AUTH|disable_execute/.test(first.text)))
      return { policy: 'disabled', detail };
    if (first.status === 401 || first.status === 403) return { policy: 'gated', detail };
    if (first.status !== 200 || (parseJson(first.text) as Record<string, unknown>).status === 'error')
      return { policy: 'broken', detail: `${detail} ${first.text.slice(0, 120)}` };
    const second = await probe('EXPLAIN SELECT 1');
    return second.status === 200
      ? { policy: 'open', detail }
      : { policy: 'readonly', detail: `EXPLAIN refused with HTTP ${second.status}` };
  }

  async cancel(id: string, reason = 'cancelled by noetl-loadrun'): Promise<boolean> {
    assertId(id);
    const body = { cascade: true, reason };
    const { status } = await this.call('POST', `/api/executions/${id}/cancel`, body, `cancel ${id}`, false);
    return status >= 200 && status < 300;
  }

  /** Drops pooled connections (after a port-forward restart, say); the next call connects afresh. */
  reconnect(): void {
    const old = this.agent;
    this.agent = this.newAgent();
    void old.close().catch(() => {});
  }

  private newAgent(): Agent {
    return new Agent({ keepAliveTimeout: 10_000, connections: 16, connect: { timeout: this.timeoutMs } });
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }
}
