// The sandbox's HTTP API, speaking the real NoETL contract (noetl-contract §1) in the Rust dialect or the
// legacy Python dialect: a route table per resource over a small matcher; what differs per dialect is in
// ../dialect.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialectApi } from '../dialect.js';
import { CATALOG_ROUTES } from './catalog-routes.js';
import type { ApiContext, Route } from './context.js';
import { EXECUTION_ROUTES } from './execution-routes.js';
import { HttpError, HttpErrorDetail, send, sendPlain, type Req, type Res } from './http.js';
import { MISC_ROUTES } from './misc-routes.js';

export interface ApiOptions extends Omit<ApiContext, 'dialect' | 'startedAt' | 'queryStats'> {
  host: string;
  port: number;
  /** The Rust server's NOETL_EXECUTION_STATUS_FROM_STEPS (DialectApi.withStatusFromSteps). */
  statusFromSteps?: boolean;
}

const ROUTES: Route[] = [...MISC_ROUTES, ...CATALOG_ROUTES, ...EXECUTION_ROUTES];

function match(
  method: string | undefined,
  pathname: string,
): { route: Route; m: RegExpExecArray } | 'wrong-method' | undefined {
  for (const route of ROUTES) {
    const m = route.path.exec(pathname);
    if (m && route.method === method) return { route, m };
  }
  return ROUTES.some((r) => r.path.test(pathname)) ? 'wrong-method' : undefined;
}

function sendError(ctx: ApiContext, res: Res, err: unknown, where: string): void {
  if (res.headersSent) return void res.destroy();
  if (err instanceof HttpErrorDetail) return send(res, err.status, { detail: err.detail });
  let e = err as HttpError;
  if (!(err instanceof HttpError)) {
    ctx.log('error', `${where}: ${(err as Error).message}`);
    e = new HttpError(500, `Internal error: ${(err as Error).message}`);
  }
  if (e.plain) return sendPlain(res, e.status, e.message);
  send(res, e.status, ctx.dialect.errorBody(e.status, e.message));
}

/**
 * The gateway's prefix (noetl/gateway src/main.rs proxy_routes): /noetl/... is /api/... behind a session
 * token (Authorization: Bearer or x-session-token); without one the gateway answers 401.
 */
function gatewayToApi(req: Req, url: URL): URL {
  if (!url.pathname.startsWith('/noetl/')) return url;
  const token = req.headers['x-session-token'] ?? /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!token) throw new HttpError(401, 'gateway: a session token is required');
  url.pathname = url.pathname === '/noetl/health' ? '/api/health' : `/api${url.pathname.slice('/noetl'.length)}`;
  return url;
}

export async function startApi(o: ApiOptions): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const plain = dialectApi(o.engine.dialect).plainFrameworkErrors;
  const ctx: ApiContext = {
    engine: o.engine,
    pool: o.pool,
    info: o.info,
    onCrashWorker: o.onCrashWorker,
    log: o.log,
    dbRoutes: o.dbRoutes,
    internalAuth: o.internalAuth,
    dialect: o.statusFromSteps ? dialectApi(o.engine.dialect).withStatusFromSteps() : dialectApi(o.engine.dialect),
    startedAt: Date.now(),
    queryStats: { statements: 0, notReads: 0 },
  };
  const server = http.createServer((req, res) => {
    const raw = new URL(req.url ?? '/', 'http://sandbox');
    const handle = async () => {
      const url = gatewayToApi(req, raw);
      const found = match(req.method, url.pathname);
      if (found === 'wrong-method') throw new HttpError(405, 'Method Not Allowed', plain);
      if (!found) throw new HttpError(404, 'Not Found', plain);
      await found.route.handle(ctx, req, res, found.m, url);
    };
    handle().catch((err) => sendError(ctx, res, err, `${req.method} ${raw.pathname}`));
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
