// Health, the query endpoint, result references, and the sandbox's own routes (its processes for the
// pods panel, and a fault trigger, labelled as emulation).
import { jsonBody, type ApiContext, type Route } from './context.js';
import { HttpError, send, type Req, type Res } from './http.js';
import { resolveResult } from './queries.js';
import { runQuery } from './query-runner.js';
import { STAGES } from '../stages.js';

const VERSION = '3.83.1'; // the Rust server version whose contract the sandbox follows

async function health(ctx: ApiContext, res: Res): Promise<void> {
  if (!ctx.dialect.healthChecksDatabase) return send(res, 200, { status: 'ok' });
  let database = 'connected';
  try {
    await ctx.pool.query('SELECT 1');
  } catch {
    database = 'disconnected';
  }
  const ok = database === 'connected';
  send(res, ok ? 200 : 503, {
    status: ok ? 'ok' : 'unhealthy',
    database,
    nats: 'removed',
    uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
    version: VERSION,
  });
}

/**
 * The route's policy (noetl-contract §6.2, §7.6, NOETL_DATABASE_ROUTES_AUTH): disabled answers 422 naming the
 * policy (noetl/server src/handlers/database.rs execute_disabled() → AppError::Validation) and runs
 * nothing; gated needs the internal token, which the sandbox gives to nobody; readonly runs one SELECT,
 * WITH or SHOW statement. The status codes of gated and readonly are this sandbox's (inferred).
 */
function checkPolicy(ctx: ApiContext, req: Req, sql: string): void {
  for (const st of sql
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean)) {
    ctx.queryStats.statements++;
    if (!/^(SELECT|WITH|SHOW|EXPLAIN)\b/i.test(st)) ctx.queryStats.notReads++;
  }
  if (ctx.dbRoutes === 'disabled')
    throw new HttpError(422, 'query execution is disabled by policy (NOETL_DATABASE_ROUTES_AUTH=disable_execute)');
  if (ctx.dbRoutes === 'gated')
    throw new HttpError(
      req.headers.authorization ? 403 : 401,
      'the query endpoint needs the internal API token (gate_execute)',
    );
  const statements = sql
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean);
  if (ctx.dbRoutes === 'readonly' && (statements.length !== 1 || !/^(SELECT|WITH|SHOW)\b/i.test(statements[0]))) {
    throw new HttpError(403, 'the query endpoint is read-only: one SELECT, WITH or SHOW statement (readonly_execute)');
  }
}

async function query(ctx: ApiContext, req: Req, res: Res): Promise<void> {
  const body = await jsonBody(ctx, req);
  let sql = typeof body.query === 'string' ? body.query : undefined;
  if (!sql && typeof body.query_base64 === 'string') sql = Buffer.from(body.query_base64, 'base64').toString('utf8');
  if (!sql) throw new HttpError(400, "one of 'query', 'query_base64' or 'procedure' is required");
  checkPolicy(ctx, req, sql);
  try {
    send(res, 200, {
      status: 'ok',
      result: await runQuery(ctx.pool, sql, (body.db_schema ?? body.schema) as string | undefined, ctx.dialect.query),
    });
  } catch (err) {
    // A SQL error: Rust answers 500, Python 200 with status "error".
    const refused = ctx.dialect.queryError((err as Error).message);
    if (refused) throw refused;
    send(res, 200, { status: 'error', error: (err as Error).message });
  }
}

/** GET /api/credentials/{name}[?include_data=true] (noetl/server src/handlers/credentials.rs `get`). */
async function credential(ctx: ApiContext, res: Res, name: string, url: URL): Promise<void> {
  if (ctx.internalAuth === 'enforce') throw new HttpError(403, 'internal auth: a service token is required');
  const row = ctx.engine.credentials.get(decodeURIComponent(name));
  if (!row) throw new HttpError(404, `Credential not found: ${decodeURIComponent(name)}`);
  const when = row.createdAt.toISOString();
  const withData = url.searchParams.get('include_data') === 'true';
  send(res, 200, {
    id: row.id.toString(),
    name: row.name,
    type: row.type,
    ...(withData ? { data: row.data } : {}),
    created_at: when,
    updated_at: when,
  });
}

export const MISC_ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^\/api\/credentials\/([^/]+)$/,
    handle: (ctx, _q, res, m, url) => credential(ctx, res, m[1], url),
  },
  { method: 'GET', path: /^\/health$/, handle: async (_c, _q, res) => send(res, 200, { status: 'ok' }) },
  { method: 'GET', path: /^\/api\/health$/, handle: (ctx, _q, res) => health(ctx, res) },
  { method: 'POST', path: /^\/api\/postgres\/execute$/, handle: (ctx, req, res) => query(ctx, req, res) },
  {
    method: 'GET',
    path: /^\/api\/result\/resolve$/,
    handle: async (ctx, _q, res, _m, url) => {
      const ref = url.searchParams.get('ref');
      if (!ref) throw new HttpError(400, 'ref is required');
      const data = await resolveResult(ctx.pool, ref);
      if (data === undefined) return send(res, 404, { error: 'result not found' });
      send(res, 200, data);
    },
  },
  {
    method: 'GET',
    path: /^\/api\/sandbox\/stages$/,
    handle: async (_c, _q, res, _m, url) => send(res, 200, STAGES.report(url.searchParams.get('reset') === '1')),
  },
  {
    method: 'GET',
    path: /^\/api\/sandbox\/info$/,
    handle: async (ctx, _q, res) => send(res, 200, { ...ctx.info(), query_endpoint: ctx.queryStats }),
  },
  {
    method: 'POST',
    path: /^\/api\/sandbox\/crash-worker$/,
    handle: async (ctx, _q, res) => {
      ctx.onCrashWorker();
      send(res, 200, { scheduled: 'the next python call is killed in flight', emulation: true });
    },
  },
];
