// The sandbox's HTTP API, speaking the real NoETL contract (noetl-contract §1) in the Rust dialect or the
// legacy Python dialect: same routes, field names, id types, status codes and error bodies.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { parseJson, stringifyJson, idString } from '../json.js';
import { PlaybookValidationError, UnsupportedFeatureError } from './dsl.js';
import { Engine, NotFoundError, type Execution } from './engine.js';

export interface ApiOptions {
  engine: Engine;
  pool: pg.Pool;
  host: string;
  port: number;
  info: () => Record<string, unknown>;
  onCrashWorker: () => void;
  log: (level: 'info' | 'error', msg: string) => void;
}

const BODY_LIMIT = 2 * 1024 * 1024; // axum's default on /api/execute and /api/catalog/register
const VERSION = '3.83.1';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly plain = false,
  ) {
    super(message);
  }
}

type Req = http.IncomingMessage & { bodyText?: string };

export async function startApi(o: ApiOptions): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const rust = o.engine.dialect === 'rust';
  const started = Date.now();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = stringifyJson(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, err: HttpError) => {
    if (err.plain) {
      res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(err.message);
    }
    if (rust) return send(res, err.status, { error: err.message, status: err.status });
    send(res, err.status, { detail: err.message });
  };

  async function jsonBody(req: Req, limit = BODY_LIMIT): Promise<Record<string, unknown>> {
    const type = String(req.headers['content-type'] ?? '');
    if (rust && !type.includes('application/json')) {
      throw new HttpError(415, 'Expected request with `Content-Type: application/json`', true);
    }
    const text = await readBody(req, limit);
    let body: unknown;
    try {
      body = parseJson(text || (rust ? '' : '{}'));
    } catch (err) {
      if (rust) throw new HttpError(400, `Failed to parse the request body as JSON: ${(err as Error).message}`, true);
      throw new HttpErrorDetail(422, [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: (err as Error).message } }]);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      if (rust) throw new HttpError(422, 'Failed to deserialize the JSON body into the target type: expected a JSON object', true);
      throw new HttpErrorDetail(422, [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' }]);
    }
    return body as Record<string, unknown>;
  }

  function execOf(raw: string): Execution {
    if (rust && !/^-?\d+$/.test(raw)) throw new HttpError(400, `Invalid URL: Cannot parse \`${raw}\` to a \`i64\``, true);
    let id: bigint | undefined;
    try {
      id = BigInt(raw);
    } catch {
      id = undefined;
    }
    const exec = id === undefined ? undefined : o.engine.executions.get(id);
    if (!exec) throw new HttpError(404, rust ? `Execution not found: ${raw}` : `Execution ${raw} not found`);
    return exec;
  }

  const routes: Array<[string, RegExp, (req: Req, res: http.ServerResponse, m: RegExpExecArray, url: URL) => Promise<void>]> = [
    ['GET', /^\/health$/, async (_q, res) => send(res, 200, { status: 'ok' })],
    ['GET', /^\/api\/health$/, async (_q, res) => {
      let database = 'connected';
      try {
        await o.pool.query('SELECT 1');
      } catch {
        database = 'disconnected';
      }
      if (!rust) return send(res, 200, { status: 'ok' });
      send(res, database === 'connected' ? 200 : 503, { status: database === 'connected' ? 'ok' : 'unhealthy', database, nats: 'removed', uptime_seconds: Math.floor((Date.now() - started) / 1000), version: VERSION });
    }],
    ['POST', /^\/api\/catalog\/register$/, async (req, res) => {
      const body = await jsonBody(req);
      if (typeof body.content !== 'string') throw new HttpError(422, 'Failed to deserialize the JSON body into the target type: missing field `content`', rust);
      try {
        const entry = await o.engine.register(decodeContent(body.content));
        send(res, 200, { status: 'success', message: `Resource '${entry.path}' version '${entry.version}' registered.`, path: entry.path, version: entry.version, catalog_id: entry.catalogId.toString(), kind: entry.kind });
      } catch (err) {
        if (err instanceof PlaybookValidationError || err instanceof UnsupportedFeatureError) throw new HttpError(422, err.message);
        throw err;
      }
    }],
    ['POST', /^\/api\/catalog\/list$/, async (req, res) => {
      const body = await jsonBody(req);
      const kind = body.resource_type === undefined ? undefined : String(body.resource_type);
      const entries = o.engine.listCatalog().filter((e) => kind === undefined || (rust ? e.kind === kind : e.kind.toLowerCase() === kind.toLowerCase()));
      send(res, 200, { entries: entries.map((e) => ({ catalog_id: e.catalogId.toString(), path: e.path, kind: e.kind, version: e.version, content: e.content, layout: null, payload: null, meta: { description: e.playbook.description ?? null }, created_at: e.createdAt.toISOString() })) });
    }],
    ['POST', /^\/api\/execute$/, async (req, res) => {
      const body = await jsonBody(req);
      const payload = (body.payload ?? body.workload ?? {}) as Record<string, unknown>;
      if (typeof payload !== 'object' || Array.isArray(payload)) throw new HttpError(422, 'payload must be an object');
      let parent: bigint | null = null;
      if (body.parent_execution_id !== undefined && body.parent_execution_id !== null) {
        const v = body.parent_execution_id;
        if (rust && typeof v === 'string') throw new HttpError(422, 'Failed to deserialize the JSON body into the target type: parent_execution_id: invalid type: string, expected i64', true);
        const s = idString(v);
        if (!s) throw new HttpError(422, 'parent_execution_id must be an integer');
        parent = BigInt(s);
      }
      const path = typeof body.path === 'string' ? body.path : undefined;
      const catalogRaw = body.catalog_id === undefined ? undefined : idString(body.catalog_id);
      if (!path && catalogRaw === undefined) throw new HttpError(422, "Either 'path' or 'catalog_id' must be provided");
      const version = !rust && body.version !== undefined ? Number(body.version) : undefined;
      let entry;
      try {
        entry = o.engine.resolve({ path, catalogId: catalogRaw === undefined ? undefined : BigInt(catalogRaw), version });
      } catch (err) {
        if (err instanceof NotFoundError) throw new HttpError(404, rust ? err.message : err.message.replace(/^Playbook not found/, 'Executable catalog entry not found'));
        throw err;
      }
      const exec = o.engine.execute(entry, payload, parent);
      send(res, 200, { execution_id: exec.id.toString(), status: 'started', commands_generated: 1 });
    }],
    ['GET', /^\/api\/executions\/([^/]+)\/status$/, async (_q, res, m) => {
      const e = execOf(m[1]);
      if (rust) {
        return send(res, 200, { execution_id: e.id, status: e.state, current_step: e.currentStep, progress: { total_steps: e.entered.size, completed_steps: e.completed.size, running_steps: e.running.size, failed_steps: e.failed.size }, is_cancelled: e.state === 'CANCELLED' });
      }
      const end = e.completedAt;
      const dur = ((end ?? new Date()).getTime() - e.startedAt.getTime()) / 1000;
      send(res, 200, { execution_id: e.id.toString(), current_step: e.currentStep, completed_steps: [...e.completed], failed: e.state === 'FAILED', completed: e.state === 'COMPLETED' || e.state === 'CANCELLED', completion_inferred: false, variables: {}, start_time: e.startedAt.toISOString(), end_time: end?.toISOString() ?? null, duration_seconds: dur, duration_human: `${dur.toFixed(1)}s` });
    }],
    ['GET', /^\/api\/executions\/([^/]+)$/, async (_q, res, m, url) => {
      const e = execOf(m[1]);
      if (rust) {
        const { rows } = await o.pool.query(`SELECT * FROM (SELECT event_id::text AS event_id, event_type, node_name, status, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, result, error FROM noetl.event WHERE execution_id = $1 ORDER BY event_id DESC LIMIT 2000) t ORDER BY event_id::bigint ASC`, [e.id.toString()]);
        return send(res, 200, { execution_id: e.id, catalog_id: e.entry.catalogId, path: e.entry.path, status: e.state, started_at: e.startedAt.toISOString(), completed_at: e.completedAt?.toISOString() ?? null, parent_execution_id: e.parentExecutionId, workload: e.workload, events: rows.map((r) => ({ ...r, event_id: BigInt(r.event_id) })) });
      }
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const size = Math.min(500, Math.max(10, Number(url.searchParams.get('page_size') ?? 100)));
      const { rows, total } = await pythonEvents(e, page, size, url, 'DESC');
      send(res, 200, { execution_id: e.id.toString(), path: e.entry.path, status: e.state, start_time: e.startedAt.toISOString(), end_time: e.completedAt?.toISOString() ?? null, parent_execution_id: e.parentExecutionId?.toString() ?? null, events: rows, pagination: pagination(page, size, total), events_endpoint: `/api/executions/${e.id}/events` });
    }],
    ['GET', /^\/api\/executions\/([^/]+)\/events$/, async (_q, res, m, url) => {
      if (rust) throw new HttpError(404, 'Not Found', true);
      const e = execOf(m[1]);
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const size = Math.min(1000, Math.max(1, Number(url.searchParams.get('page_size') ?? 100)));
      const { rows, total } = await pythonEvents(e, page, size, url, 'ASC');
      send(res, 200, { execution_id: e.id.toString(), path: e.entry.path, status: e.state, events: rows, pagination: pagination(page, size, total) });
    }],
    ['GET', /^\/api\/ehdb\/executions\/([^/]+)\/events$/, async (_q, res, m, url) => {
      if (!rust) throw new HttpError(404, 'Not Found');
      if (!/^\d+$/.test(m[1])) throw new HttpError(400, `Invalid URL: Cannot parse \`${m[1]}\` to a \`i64\``, true);
      const after = url.searchParams.get('after') ?? '0';
      if (!/^\d+$/.test(after)) throw new HttpError(400, `Failed to deserialize query string: after: invalid digit found in string`, true);
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
      const { rows } = await o.pool.query(`SELECT event_id::text AS event_id, execution_id::text AS execution_id, event_type, node_name, status, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at FROM noetl.event WHERE execution_id = $1 AND event_id > $2 ORDER BY event_id ASC LIMIT $3`, [m[1], after, limit]);
      const exists = o.engine.executions.has(BigInt(m[1]));
      send(res, 200, { action: 'ehdb.execution.events', tier: 'projection', execution_id: m[1], exists, limit, returned: rows.length, next_cursor: rows.length === limit ? rows[rows.length - 1].event_id : null, events: rows });
    }],
    ['GET', /^\/api\/ehdb\/executions\/([^/]+)$/, async (_q, res, m) => {
      if (!rust) throw new HttpError(404, 'Not Found');
      const e = o.engine.executions.get(BigInt(/^\d+$/.test(m[1]) ? m[1] : '0'));
      if (!e) return send(res, 200, { exists: false, state: null });
      const { rows } = await o.pool.query('SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1', [e.id.toString()]);
      send(res, 200, { exists: true, state: { execution_id: e.id.toString(), catalog_id: e.entry.catalogId.toString(), path: e.entry.path, status: e.state, terminal: e.terminal, current_node: e.currentStep, parent_execution_id: e.parentExecutionId?.toString() ?? null, event_count: rows[0].n, started_at: e.startedAt.toISOString(), completed_at: e.completedAt?.toISOString() ?? null } });
    }],
    ['POST', /^\/api\/executions\/([^/]+)\/cancel$/, async (req, res, m) => {
      const e = execOf(m[1]);
      const body = await jsonBody(req).catch(() => ({}) as Record<string, unknown>);
      if (e.terminal) {
        throw rust ? new HttpError(422, `Cannot cancel execution in ${e.state} state`) : new HttpError(400, `Execution ${e.id} is already ${e.state.toLowerCase()}`);
      }
      const cascade = rust ? false : body.cascade !== false; // Rust ignores the body: no cascade
      const cancelled = o.engine.cancel(e, cascade);
      if (rust) return send(res, 200, { execution_id: e.id, status: 'cancelled', message: 'Execution cancellation requested' });
      send(res, 200, { status: 'cancelled', execution_id: e.id.toString(), cancelled_executions: cancelled.map((c) => c.id.toString()), message: `Cancelled ${cancelled.length} execution(s)` });
    }],
    ['POST', /^\/api\/postgres\/execute$/, async (req, res) => {
      const body = await jsonBody(req);
      let sql = typeof body.query === 'string' ? body.query : undefined;
      if (!sql && typeof body.query_base64 === 'string') sql = Buffer.from(body.query_base64, 'base64').toString('utf8');
      if (!sql) throw new HttpError(400, "one of 'query', 'query_base64' or 'procedure' is required");
      const schema = String(body.db_schema ?? body.schema ?? 'noetl');
      try {
        const rows = await runQuery(o.pool, sql, schema, rust);
        send(res, 200, { status: 'ok', result: rows });
      } catch (err) {
        if (rust) throw new HttpError(500, `Database error: ${(err as Error).message}`);
        send(res, 200, { status: 'error', error: (err as Error).message });
      }
    }],
    ['GET', /^\/api\/result\/resolve$/, async (_q, res, _m, url) => {
      const ref = url.searchParams.get('ref');
      if (!ref) throw new HttpError(400, 'ref is required');
      const { rows } = await o.pool.query('SELECT data FROM noetl.result_store WHERE ref = $1', [ref]);
      if (!rows.length) return send(res, 404, { error: 'result not found' });
      send(res, 200, rows[0].data);
    }],
    // Sandbox-only routes: its processes for the pods panel, and fault triggers (emulation).
    ['GET', /^\/api\/sandbox\/info$/, async (_q, res) => send(res, 200, o.info())],
    ['POST', /^\/api\/sandbox\/crash-worker$/, async (_q, res) => {
      o.onCrashWorker();
      send(res, 200, { scheduled: 'the next python call is killed in flight', emulation: true });
    }],
  ];

  async function pythonEvents(e: Execution, page: number, size: number, url: URL, order: 'ASC' | 'DESC') {
    const since = url.searchParams.get('since_event_id');
    const type = url.searchParams.get('event_type');
    const where = ['execution_id = $1'];
    const args: unknown[] = [e.id.toString()];
    if (since && /^\d+$/.test(since)) where.push(`event_id > $${args.push(since)}`);
    if (type) where.push(`event_type = $${args.push(type)}`);
    const total = (await o.pool.query(`SELECT count(*)::int AS n FROM noetl.event WHERE ${where.join(' AND ')}`, args)).rows[0].n as number;
    const { rows } = await o.pool.query(
      `SELECT event_id::text AS event_id, execution_id::text AS execution_id, parent_execution_id::text AS parent_execution_id, event_type, node_name, node_type, status, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS timestamp, current_index, result, meta, error FROM noetl.event WHERE ${where.join(' AND ')} ORDER BY event_id ${order} LIMIT $${args.push(size)} OFFSET $${args.push((page - 1) * size)}`,
      args,
    );
    return { rows, total };
  }

  const server = http.createServer((req: Req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = routes.find(([method, re]) => method === req.method && re.test(url.pathname));
    const handle = async () => {
      if (!route) {
        const known = routes.some(([, re]) => re.test(url.pathname));
        if (known) throw new HttpError(405, 'Method Not Allowed', rust);
        throw new HttpError(404, 'Not Found', rust);
      }
      await route[2](req, res, route[1].exec(url.pathname)!, url);
    };
    handle().catch((err) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpErrorDetail) return send(res, err.status, { detail: err.detail });
      if (err instanceof HttpError) return sendError(res, err);
      o.log('error', `${req.method} ${url.pathname}: ${(err as Error).message}`);
      sendError(res, new HttpError(500, `Internal error: ${(err as Error).message}`));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class HttpErrorDetail extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super('validation error');
  }
}

function pagination(page: number, size: number, total: number) {
  const pages = Math.max(1, Math.ceil(total / size));
  return { page, page_size: size, total_events: total, total_pages: pages, has_next: page < pages, has_prev: page > 1 };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'Failed to buffer the request body: length limit exceeded', true));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Base64 first (strict), falling back to the raw text, as both servers do. */
export function decodeContent(content: string): string {
  const compact = content.replace(/\s+/g, '');
  if (compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const text = Buffer.from(compact, 'base64').toString('utf8');
    if (!text.includes('\uFFFD')) return text;
  }
  return content;
}

// Column types the Rust server's decoder turns into null (noetl-contract §1.6).
const RUST_NULL_TYPES = new Set([1114, 21, 1700, 2950, 700]);

async function runQuery(pool: pg.Pool, sql: string, schema: string, rust: boolean): Promise<Record<string, unknown>[]> {
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO ${schema.split(',').map((s) => `"${s.trim().replace(/"/g, '""')}"`).join(', ')}`);
    // Rust runs the text as one prepared statement: several statements fail, as on the real server.
    const raw = (x: string) => x;
    const r = await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => raw }, ...(rust ? { queryMode: 'extended' } : {}) } as pg.QueryConfig);
    const results = (Array.isArray(r) ? r[r.length - 1] : r) as pg.QueryResult<unknown[]>;
    return (results.rows ?? []).map((row) => {
      const out: Record<string, unknown> = {};
      const fields = [...results.fields.keys()];
      if (rust) fields.sort((a, b) => (results.fields[a].name < results.fields[b].name ? -1 : 1));
      for (const i of fields) out[results.fields[i].name] = convert(row[i] as string | null, results.fields[i].dataTypeID, rust);
      return out;
    });
  } finally {
    await client.query('RESET search_path').catch(() => {});
    client.release();
  }
}

function convert(v: string | null, oid: number, rust: boolean): unknown {
  if (v === null) return null;
  if (rust && RUST_NULL_TYPES.has(oid)) return null;
  switch (oid) {
    case 20:
      return BigInt(v);
    case 21:
    case 23:
      return Number(v);
    case 700:
    case 701:
    case 1700:
      return Number(v);
    case 16:
      return v === 't';
    case 114:
    case 3802:
      return parseJson(v);
    case 1184:
      return new Date(v).toISOString();
    default:
      return v;
  }
}
