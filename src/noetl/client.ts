// The NoETL HTTP client (undici): both server dialects normalised, ids kept as strings end to end,
// a timeout on every call, retries with backoff only for idempotent calls, one-line errors.
import { Agent, request, type Dispatcher } from 'undici';
import { envError, LoadrunError, EXIT } from '../errors.js';
import { idString, parseJson, stringifyJson } from '../json.js';
import type { Dialect, ExecState, NoetlEvent, NormalStatus } from '../model.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  requestTimeoutMs?: number;
  retries?: number;
  /** Called for each failed attempt that will be retried (for degraded-state display). */
  onRetry?: (what: string, attempt: number, error: string) => void;
}

export class HttpStatusError extends LoadrunError {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${summariseBody(body)}`, status >= 500 ? EXIT.ENVIRONMENT : EXIT.USAGE);
  }
}

function summariseBody(body: string): string {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const m = j.error ?? j.detail ?? j.message;
    if (typeof m === 'string') return m;
    if (m !== undefined) return JSON.stringify(m).slice(0, 200);
  } catch {
    /* plain text */
  }
  return body.replace(/\s+/g, ' ').slice(0, 200);
}

const TERMINAL_RUST: Record<string, ExecState> = { COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled' };

/** Normalises a status body of either dialect (noetl-contract §1.4). */
export function normaliseStatus(body: Record<string, unknown>, requestedId: string): NormalStatus {
  const executionId = idString(body.execution_id) ?? requestedId;
  const currentStep = typeof body.current_step === 'string' ? body.current_step : null;
  let state: ExecState;
  if (typeof body.status === 'string') {
    state = TERMINAL_RUST[body.status.toUpperCase()] ?? (body.is_cancelled === true ? 'cancelled' : 'running');
  } else if (body.failed === true) {
    state = 'failed';
  } else if (body.completed === true) {
    state = 'completed';
  } else {
    state = 'running';
  }
  const p = body.progress as Record<string, unknown> | undefined;
  const progress =
    p && typeof p === 'object'
      ? { totalSteps: Number(p.total_steps ?? 0), completedSteps: Number(p.completed_steps ?? 0), runningSteps: Number(p.running_steps ?? 0), failedSteps: Number(p.failed_steps ?? 0) }
      : Array.isArray(body.completed_steps)
        ? { totalSteps: body.completed_steps.length, completedSteps: body.completed_steps.length, runningSteps: state === 'running' ? 1 : 0, failedSteps: state === 'failed' ? 1 : 0 }
        : null;
  return { executionId, state, currentStep, progress, raw: body };
}

function normaliseEvent(e: Record<string, unknown>, executionId: string): NoetlEvent | undefined {
  const eventId = idString(e.event_id);
  if (!eventId) return undefined;
  return {
    eventId,
    executionId: idString(e.execution_id) ?? executionId,
    type: String(e.event_type ?? ''),
    node: typeof e.node_name === 'string' ? e.node_name : null,
    status: typeof e.status === 'string' ? e.status : null,
    createdAt: typeof (e.created_at ?? e.timestamp) === 'string' ? String(e.created_at ?? e.timestamp) : null,
  };
}

export function assertId(id: string, what = 'execution id'): string {
  if (!/^\d{1,20}$/.test(id)) throw new LoadrunError(`${what} ${JSON.stringify(id)} is not a number`, EXIT.USAGE, 'NoETL ids are 64-bit integers');
  return id;
}

export class NoetlClient {
  readonly baseUrl: string;
  private agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  dialect: Dialect | undefined;
  version: string | undefined;
  sandbox = false;
  calls = 0;

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
  async call(method: 'GET' | 'POST', path: string, body: unknown, what: string, idempotent: boolean, retry5xx = idempotent): Promise<{ status: number; text: string }> {
    const attempts = this.retries + 1;
    let last: Error | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.calls++;
      try {
        const res = await request(`${this.baseUrl}${path}`, {
          method: method as Dispatcher.HttpMethod,
          headers: this.headers(body !== undefined),
          body: body === undefined ? undefined : stringifyJson(body),
          dispatcher: this.agent,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          signal: AbortSignal.timeout(this.timeoutMs + 1000),
        });
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
    throw envError(`${what}: ${describeNetworkError(last, this.baseUrl)}`, `is the NoETL server reachable at ${this.baseUrl}?`);
  }

  private async json(method: 'GET' | 'POST', path: string, body: unknown, what: string, idempotent: boolean, retry5xx = idempotent): Promise<Record<string, unknown>> {
    const { status, text } = await this.call(method, path, body, what, idempotent, retry5xx);
    if (status < 200 || status >= 300) throw new HttpStatusError(status, text, what);
    try {
      return parseJson(text) as Record<string, unknown>;
    } catch {
      throw envError(`${what}: the server answered with non-JSON (${text.slice(0, 80)})`, `is ${this.baseUrl} a NoETL server?`);
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
    const r = await this.json('POST', '/api/catalog/register', body, 'catalog register', false);
    return { path: String(r.path), version: Number(r.version), catalogId: idString(r.catalog_id) ?? String(r.catalog_id) };
  }

  async catalogPaths(): Promise<Set<string>> {
    const r = await this.json('POST', '/api/catalog/list', { resource_type: this.dialect === 'python' ? 'Playbook' : 'playbook' }, 'catalog list', true);
    const entries = Array.isArray(r.entries) ? (r.entries as Record<string, unknown>[]) : [];
    return new Set(entries.map((e) => String(e.path)));
  }

  async execute(path: string, payload: Record<string, unknown>): Promise<string> {
    const r = await this.json('POST', '/api/execute', { path, payload }, `execute ${path}`, false);
    const id = idString(r.execution_id);
    if (!id) throw envError(`execute ${path}: the response carries no execution_id`);
    return id;
  }

  async status(id: string): Promise<NormalStatus> {
    assertId(id);
    const r = await this.json('GET', `/api/executions/${id}/status`, undefined, `status of ${id}`, true);
    return normaliseStatus(r, id);
  }

  /** Events after a cursor, oldest first. Rust: the ehdb projection; Python: the events endpoint. */
  async eventsAfter(id: string, after: string | null, limit = 500): Promise<NoetlEvent[]> {
    assertId(id);
    if (this.dialect === 'python') {
      const out: NoetlEvent[] = [];
      for (let page = 1; page < 100; page++) {
        const qs = new URLSearchParams({ page: String(page), page_size: String(Math.min(limit, 1000)) });
        if (after) qs.set('since_event_id', after);
        const r = await this.json('GET', `/api/executions/${id}/events?${qs}`, undefined, `events of ${id}`, true);
        for (const e of (r.events as Record<string, unknown>[]) ?? []) {
          const n = normaliseEvent(e, id);
          if (n) out.push(n);
        }
        const pg = r.pagination as Record<string, unknown> | undefined;
        if (!pg?.has_next || out.length >= limit) break;
      }
      return out.sort((a, b) => cmpId(a.eventId, b.eventId));
    }
    const qs = new URLSearchParams({ limit: String(Math.min(limit, 1000)) });
    if (after) qs.set('after', after);
    const r = await this.json('GET', `/api/ehdb/executions/${id}/events?${qs}`, undefined, `events of ${id}`, true);
    const out: NoetlEvent[] = [];
    for (const e of (r.events as Record<string, unknown>[]) ?? []) {
      const n = normaliseEvent(e, id);
      if (n) out.push(n);
    }
    return out;
  }

  /** SQL through the server's query endpoint; rows are objects. Rust errors are HTTP 500, Python's are 200. */
  async query(sql: string, schema = 'public'): Promise<Record<string, unknown>[]> {
    // A SQL error is a 500 on the Rust server: repeating the same statement will not help.
    const r = await this.json('POST', '/api/postgres/execute', { query: sql, schema }, 'query endpoint', true, false);
    if (r.status === 'error') throw envError(`query endpoint: ${String(r.error).slice(0, 200)}`);
    return Array.isArray(r.result) ? (r.result as Record<string, unknown>[]) : [];
  }

  async cancel(id: string, reason = 'cancelled by noetl-loadrun'): Promise<boolean> {
    assertId(id);
    const { status } = await this.call('POST', `/api/executions/${id}/cancel`, { cascade: true, reason }, `cancel ${id}`, false);
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

export function cmpId(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function errorCode(err: Error | undefined): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err?.cause as NodeJS.ErrnoException | undefined)?.code;
}

function describeNetworkError(err: Error | undefined, base: string): string {
  if (!err) return 'unknown error';
  const code = errorCode(err);
  if (code === 'ECONNREFUSED') return `connection refused at ${base}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${new URL(base).hostname})`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out talking to ${base}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset by ${base}`;
  if (err instanceof HttpStatusError) return err.message;
  return err.message.split('\n')[0];
}
