// What every route handler gets: the engine, the pool, the dialect's answers, and two shared readers
// (the JSON body under axum's 2 MB limit, an execution from its path id).
import type pg from 'pg';
import type { DialectApi } from '../dialect.js';
import type { Engine, Execution } from '../engine.js';
import type { DbRoutes } from '../faults.js';
import { HttpError, readBody, type Req, type Res } from './http.js';

export const BODY_LIMIT = 2 * 1024 * 1024; // axum's default on /api/execute and /api/catalog/register

export interface ApiContext {
  engine: Engine;
  pool: pg.Pool;
  dialect: DialectApi;
  startedAt: number;
  info: () => Record<string, unknown>;
  onCrashWorker: () => void;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** What POST /api/postgres/execute allows. */
  dbRoutes: DbRoutes;
  /**
   * NOETL_INTERNAL_AUTH_MODE for /api/credentials/* (noetl-contract §7.6, auth_gate.rs): shadow lets callers
   * through; enforce refuses a caller without the internal token with 403 (the message is this sandbox's).
   */
  internalAuth: 'shadow' | 'enforce';
  /** What the query endpoint was sent: statements, and those that were not a read (SELECT/WITH/SHOW/EXPLAIN). */
  queryStats: { statements: number; notReads: number };
}

export type Handler = (ctx: ApiContext, req: Req, res: Res, match: RegExpExecArray, url: URL) => Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handle: Handler;
}

export async function jsonBody(ctx: ApiContext, req: Req): Promise<Record<string, unknown>> {
  return ctx.dialect.parseBody(String(req.headers['content-type'] ?? ''), await readBody(req, BODY_LIMIT));
}

export function executionOf(ctx: ApiContext, raw: string): Execution {
  ctx.dialect.checkId(raw);
  let id: bigint | undefined;
  try {
    id = BigInt(raw);
  } catch {
    id = undefined;
  }
  const exec = id === undefined ? undefined : ctx.engine.executions.get(id);
  if (!exec) throw new HttpError(404, ctx.dialect.notFound(raw));
  return exec;
}
