// Executions: status (both shapes), detail, events (Python pages, Rust ehdb projection), ehdb state, cancel.
import { executionOf, jsonBody, type ApiContext, type Route } from './context.js';
import { HttpError, HttpErrorDetail, pagination, send, type Req, type Res } from './http.js';
import { detailEvents, ehdbEvents, eventCount, pythonEventPage } from './queries.js';

const rustOnly = (ctx: ApiContext) => {
  if (!ctx.dialect.ehdbRoutes) throw new HttpError(404, 'Not Found');
};

function pageOf(url: URL, maxSize: number, minSize: number) {
  return {
    page: Math.max(1, Number(url.searchParams.get('page') ?? 1)),
    size: Math.min(maxSize, Math.max(minSize, Number(url.searchParams.get('page_size') ?? 100))),
    since: url.searchParams.get('since_event_id'),
    type: url.searchParams.get('event_type'),
  };
}

async function detail(ctx: ApiContext, res: Res, raw: string, url: URL): Promise<void> {
  const e = executionOf(ctx, raw);
  if (!ctx.dialect.detailPaged) {
    return send(res, 200, {
      execution_id: e.id,
      catalog_id: e.entry.catalogId,
      path: e.entry.path,
      status: e.state,
      started_at: e.startedAt.toISOString(),
      completed_at: e.completedAt?.toISOString() ?? null,
      parent_execution_id: e.parentExecutionId,
      workload: e.workload,
      events: await detailEvents(ctx.pool, e.id.toString()),
    });
  }
  const p = pageOf(url, 500, 10);
  const { rows, total } = await pythonEventPage(ctx.pool, e.id.toString(), { ...p, order: 'DESC' });
  send(res, 200, {
    execution_id: e.id.toString(),
    path: e.entry.path,
    status: e.state,
    start_time: e.startedAt.toISOString(),
    end_time: e.completedAt?.toISOString() ?? null,
    parent_execution_id: e.parentExecutionId?.toString() ?? null,
    events: rows,
    pagination: pagination(p.page, p.size, total),
    events_endpoint: `/api/executions/${e.id}/events`,
  });
}

/**
 * Python only: newest first, page_size 10..500 (a FastAPI 422 outside), since_event_id filtering
 * `event_id >` (noetl/noetl noetl/server/api/execution/endpoint.py `get_execution_events`).
 */
async function pythonEvents(ctx: ApiContext, res: Res, raw: string, url: URL): Promise<void> {
  if (!ctx.dialect.pagedEventsRoute) throw new HttpError(404, 'Not Found', ctx.dialect.plainFrameworkErrors);
  const e = executionOf(ctx, raw);
  const asked = Number(url.searchParams.get('page_size') ?? 100);
  if (!Number.isInteger(asked) || asked < 10 || asked > 500) {
    const type = asked < 10 ? 'greater_than_equal' : 'less_than_equal';
    throw new HttpErrorDetail(422, [
      {
        type,
        loc: ['query', 'page_size'],
        msg: `Input should be ${asked < 10 ? 'greater than or equal to 10' : 'less than or equal to 500'}`,
        input: String(asked),
      },
    ]);
  }
  const p = pageOf(url, 500, 10);
  const { rows, total } = await pythonEventPage(ctx.pool, e.id.toString(), { ...p, order: 'DESC' });
  send(res, 200, {
    execution_id: e.id.toString(),
    path: e.entry.path,
    status: e.state,
    events: rows,
    pagination: pagination(p.page, p.size, total),
  });
}

async function ehdbExecutionEvents(ctx: ApiContext, res: Res, raw: string, url: URL): Promise<void> {
  rustOnly(ctx);
  ctx.dialect.checkId(raw);
  const after = url.searchParams.get('after') ?? '0';
  if (!/^\d+$/.test(after))
    throw new HttpError(400, 'Failed to deserialize query string: after: invalid digit found in string', true);
  const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
  const rows = await ehdbEvents(ctx.pool, raw, after, limit);
  const exists = ctx.engine.executions.has(BigInt(raw));
  send(res, 200, {
    action: 'ehdb.execution.events',
    tier: 'projection',
    execution_id: raw,
    exists,
    limit,
    returned: rows.length,
    next_cursor: rows.length === limit ? rows[rows.length - 1].event_id : null,
    events: rows,
  });
}

async function ehdbState(ctx: ApiContext, res: Res, raw: string): Promise<void> {
  rustOnly(ctx);
  const e = ctx.engine.executions.get(BigInt(/^\d+$/.test(raw) ? raw : '0'));
  if (!e) return send(res, 200, { exists: false, state: null });
  const state = {
    execution_id: e.id.toString(),
    catalog_id: e.entry.catalogId.toString(),
    path: e.entry.path,
    status: e.state,
    terminal: e.terminal,
    current_node: e.currentStep,
    parent_execution_id: e.parentExecutionId?.toString() ?? null,
    event_count: await eventCount(ctx.pool, e.id.toString()),
    started_at: e.startedAt.toISOString(),
    completed_at: e.completedAt?.toISOString() ?? null,
  };
  send(res, 200, { exists: true, state });
}

/** Rust only: {status: COMPLETED|FAILED, error?} (noetl/server src/handlers/executions.rs finalize). */
async function finalize(ctx: ApiContext, req: Req, res: Res, raw: string): Promise<void> {
  if (!ctx.dialect.finalizeRoute) throw new HttpError(404, 'Not Found', ctx.dialect.plainFrameworkErrors);
  const e = executionOf(ctx, raw);
  const body = await jsonBody(ctx, req);
  if (typeof body.status !== 'string')
    throw new HttpError(422, 'Failed to deserialize the JSON body into the target type: missing field `status`', true);
  if (body.status !== 'COMPLETED' && body.status !== 'FAILED')
    throw new HttpError(422, `Invalid finalization status: ${body.status}`);
  ctx.engine.finalize(e, body.status, typeof body.error === 'string' ? body.error : null);
  send(res, 200, {
    execution_id: e.id,
    status: body.status,
    message: `Execution finalized with status: ${body.status}`,
  });
}

export const EXECUTION_ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^\/api\/executions\/([^/]+)\/status$/,
    handle: async (ctx, _q, res, m) => send(res, 200, ctx.dialect.status(executionOf(ctx, m[1]))),
  },
  {
    method: 'GET',
    path: /^\/api\/executions\/([^/]+)$/,
    handle: (ctx, _q, res, m, url) => detail(ctx, res, m[1], url),
  },
  {
    method: 'GET',
    path: /^\/api\/executions\/([^/]+)\/events$/,
    handle: (ctx, _q, res, m, url) => pythonEvents(ctx, res, m[1], url),
  },
  {
    method: 'GET',
    path: /^\/api\/ehdb\/executions\/([^/]+)\/events$/,
    handle: (ctx, _q, res, m, url) => ehdbExecutionEvents(ctx, res, m[1], url),
  },
  { method: 'GET', path: /^\/api\/ehdb\/executions\/([^/]+)$/, handle: (ctx, _q, res, m) => ehdbState(ctx, res, m[1]) },
  {
    method: 'POST',
    path: /^\/api\/executions\/([^/]+)\/cancel$/,
    handle: async (ctx, req, res, m) => {
      const e = executionOf(ctx, m[1]);
      const body = await jsonBody(ctx, req).catch(() => ({}) as Record<string, unknown>);
      if (e.terminal) throw ctx.dialect.cannotCancel(e);
      send(res, 200, ctx.dialect.cancelled(e, ctx.engine.cancel(e, ctx.dialect.cascade(body))));
    },
  },
  {
    method: 'POST',
    path: /^\/api\/executions\/([^/]+)\/finalize$/,
    handle: (ctx, req, res, m) => finalize(ctx, req, res, m[1]),
  },
];
