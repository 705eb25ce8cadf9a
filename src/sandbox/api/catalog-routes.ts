// Catalog and execute: register (base64 or raw YAML), list, and start an execution.
import { idString } from '../../json.js';
import { PlaybookValidationError, UnsupportedFeatureError } from '../dsl.js';
import { NotFoundError } from '../engine.js';
import { jsonBody, type ApiContext, type Route } from './context.js';
import { HttpError, send, type Req, type Res } from './http.js';

/** Base64 first (strict), falling back to the raw text, as both servers do. */
export function decodeContent(content: string): string {
  const compact = content.replace(/\s+/g, '');
  if (compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const text = Buffer.from(compact, 'base64').toString('utf8');
    if (!text.includes('\uFFFD')) return text;
  }
  return content;
}

async function register(ctx: ApiContext, req: Req, res: Res): Promise<void> {
  const body = await jsonBody(ctx, req);
  if (typeof body.content !== 'string')
    throw new HttpError(
      422,
      'Failed to deserialize the JSON body into the target type: missing field `content`',
      ctx.dialect.plainFrameworkErrors,
    );
  try {
    const entry = await ctx.engine.register(decodeContent(body.content));
    send(res, 200, {
      status: 'success',
      message: `Resource '${entry.path}' version '${entry.version}' registered.`,
      path: entry.path,
      version: entry.version,
      catalog_id: entry.catalogId.toString(),
      kind: entry.kind,
    });
  } catch (err) {
    if (err instanceof PlaybookValidationError || err instanceof UnsupportedFeatureError)
      throw new HttpError(422, err.message);
    throw err;
  }
}

async function list(ctx: ApiContext, req: Req, res: Res): Promise<void> {
  const body = await jsonBody(ctx, req);
  const kind = body.resource_type === undefined ? undefined : String(body.resource_type);
  const entries = ctx.engine.listCatalog().filter((e) => kind === undefined || ctx.dialect.kindMatches(e.kind, kind));
  send(res, 200, {
    entries: entries.map((e) => ({
      catalog_id: e.catalogId.toString(),
      path: e.path,
      kind: e.kind,
      version: e.version,
      content: e.content,
      layout: null,
      payload: null,
      meta: { description: e.playbook?.description ?? null },
      created_at: e.createdAt.toISOString(),
    })),
  });
}

function parentOf(ctx: ApiContext, v: unknown): bigint | null {
  if (v === undefined || v === null) return null;
  const stringRefused = typeof v === 'string' ? ctx.dialect.stringParentIdError() : undefined;
  if (stringRefused) throw stringRefused;
  const s = idString(v);
  if (!s) throw new HttpError(422, 'parent_execution_id must be an integer');
  return BigInt(s);
}

async function execute(ctx: ApiContext, req: Req, res: Res): Promise<void> {
  const body = await jsonBody(ctx, req);
  const payload = (body.payload ?? body.workload ?? {}) as Record<string, unknown>;
  if (typeof payload !== 'object' || Array.isArray(payload)) throw new HttpError(422, 'payload must be an object');
  const parent = parentOf(ctx, body.parent_execution_id);
  const path = typeof body.path === 'string' ? body.path : undefined;
  const catalogRaw = body.catalog_id === undefined ? undefined : idString(body.catalog_id);
  if (!path && catalogRaw === undefined) throw new HttpError(422, "Either 'path' or 'catalog_id' must be provided");
  const version = ctx.dialect.honoursVersion && body.version !== undefined ? Number(body.version) : undefined;
  let entry;
  try {
    entry = ctx.engine.resolve({ path, catalogId: catalogRaw === undefined ? undefined : BigInt(catalogRaw), version });
  } catch (err) {
    if (err instanceof NotFoundError) throw new HttpError(404, ctx.dialect.playbookNotFound(err.message));
    throw err;
  }
  // AppError::Parse (400) for a document serde cannot read, AppError::Validation (422) for the rest
  // (noetl/server src/playbook/parser.rs parse_playbook, src/error.rs).
  if (entry.compileError) throw new HttpError(entry.compileStatus ?? 422, entry.compileError);
  const exec = ctx.engine.execute(entry, payload, parent);
  send(res, 200, { execution_id: exec.id.toString(), status: 'started', commands_generated: 1 });
}

export const CATALOG_ROUTES: Route[] = [
  { method: 'POST', path: /^\/api\/catalog\/register$/, handle: (ctx, req, res) => register(ctx, req, res) },
  { method: 'POST', path: /^\/api\/catalog\/list$/, handle: (ctx, req, res) => list(ctx, req, res) },
  { method: 'POST', path: /^\/api\/execute$/, handle: (ctx, req, res) => execute(ctx, req, res) },
];
