// Tool runners for the sandbox engine: python (worker processes), http (undici, hermetic), postgres.
// The playbook tool lives in the engine because it starts executions.
import pg from 'pg';
import { Agent, request } from 'undici';
import type { PythonPool } from './python-pool.js';
import { renderString, renderValue, truthy } from './templates.js';
import type { ToolSpec } from './dsl.js';

export class ToolError extends Error {
  constructor(
    message: string,
    readonly output?: unknown,
  ) {
    super(message);
  }
}

export type Ctx = Record<string, unknown>;

export interface HttpRouting {
  echoUrl: string;
  allowNetwork: boolean;
  log: (level: 'info' | 'error', msg: string) => void;
}

export interface RetryNotice {
  attempt: number;
  maxAttempts: number;
  httpStatus: number;
  delayMs: number;
  error: string;
}

export async function runPython(pool: PythonPool, tool: ToolSpec, ctx: Ctx): Promise<unknown> {
  const input = (renderValue(tool.input ?? {}, ctx) as Record<string, unknown>) ?? {};
  const libs = (tool.libs ?? {}) as Record<string, string>;
  return pool.run({ code: String(tool.code), input, libs });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class HttpTool {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  private announcedRedirect = false;

  constructor(private readonly routing: HttpRouting) {}

  /** Maps a tool URL to where the hermetic sandbox sends it. */
  route(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ToolError(`http tool: invalid url ${JSON.stringify(raw)}`);
    }
    if (url.hostname === 'httpbin.org' || url.hostname === 'www.httpbin.org') {
      if (!this.announcedRedirect) {
        this.announcedRedirect = true;
        this.routing.log('info', `hermetic sandbox: http calls to ${url.host} are answered by the local echo endpoint ${this.routing.echoUrl}`);
      }
      const echo = new URL(this.routing.echoUrl);
      return `${echo.origin}${url.pathname}${url.search}`;
    }
    if (!LOCAL_HOSTS.has(url.hostname) && !this.routing.allowNetwork) {
      throw new ToolError(`http tool: outside host ${url.host} is blocked in the hermetic sandbox (use --allow-network to permit it)`);
    }
    return url.toString();
  }

  async run(tool: ToolSpec, ctx: Ctx, onRetry: (n: RetryNotice) => void): Promise<unknown> {
    const method = String(renderValue(tool.method ?? 'GET', ctx)).toUpperCase();
    const target = this.route(String(renderValue(tool.url, ctx)));
    const headers = (renderValue(tool.headers ?? {}, ctx) as Record<string, string>) ?? {};
    const payload = tool.payload === undefined ? undefined : renderValue(tool.payload, ctx);
    const params = tool.params === undefined ? undefined : (renderValue(tool.params, ctx) as Record<string, unknown>);
    const timeoutMs = Number(tool.timeout ?? 60) * 1000;
    const rules = (((tool.spec as Record<string, unknown> | undefined)?.policy as Record<string, unknown> | undefined)?.rules ??
      []) as Record<string, unknown>[];
    let url = target;
    if (params) {
      const u = new URL(target);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
      url = u.toString();
    }
    const body = payload === undefined || method === 'GET' ? undefined : JSON.stringify(payload);

    for (let attempt = 1; ; attempt++) {
      const { output, result } = await this.once(url, target, { method, headers, body, timeoutMs });
      const decision = decide(rules, output);
      const httpStatus = Number((output.http as { status: number }).status);
      const error = output.status === 'error' ? (httpStatus ? `HTTP ${httpStatus} from ${target}` : `request to ${target} failed: ${output.error}`) : '';
      if (decision.do === 'retry' && attempt < decision.attempts) {
        const delayMs = decision.delay * 1000 * (decision.backoff === 'exponential' ? 2 ** (attempt - 1) : 1);
        onRetry({ attempt, maxAttempts: decision.attempts, httpStatus, delayMs, error });
        await new Promise((r) => setTimeout(r, delayMs));
        continue;
      }
      if (output.status === 'error') {
        const suffix = decision.do === 'retry' ? ` after ${attempt} attempts` : '';
        throw new ToolError(`${error}${suffix}`, result);
      }
      return result;
    }
  }

  /** One request; its outcome as the retry policy sees it (output) and as the step sees it (result). */
  private async once(url: string, target: string, r: { method: string; headers: Record<string, string>; body: string | undefined; timeoutMs: number }): Promise<{ output: Record<string, unknown>; result?: Record<string, unknown> }> {
    const started = performance.now();
    try {
      const res = await request(url, {
        method: r.method as 'POST',
        headers: { 'content-type': 'application/json', ...r.headers },
        body: r.body,
        dispatcher: this.agent,
        headersTimeout: r.timeoutMs,
        bodyTimeout: r.timeoutMs,
      });
      const text = await res.body.text();
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) resHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
      let data: unknown = text;
      if ((resHeaders['content-type'] ?? '').includes('json')) {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      const result = { status_code: res.statusCode, headers: resHeaders, url: target, elapsed: (performance.now() - started) / 1000, data };
      return { output: { status: res.statusCode < 400 ? 'success' : 'error', http: { status: res.statusCode }, data: result }, result };
    } catch (err) {
      return { output: { status: 'error', http: { status: 0 }, error: (err as Error).message } };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

interface Decision {
  do: 'retry' | 'fail' | 'continue';
  attempts: number;
  delay: number;
  backoff: string;
}

/** The first matching policy rule (an `else` rule always matches). No rules: errors fail. */
function decide(rules: Record<string, unknown>[], output: Record<string, unknown>): Decision {
  for (const rule of rules) {
    const elseRule = rule.else as Record<string, unknown> | undefined;
    const matches = elseRule !== undefined || truthy(renderString(String(rule.when ?? 'false'), { output }));
    if (!matches) continue;
    const then = ((elseRule ? elseRule.then : rule.then) ?? {}) as Record<string, unknown>;
    return {
      do: (String(then.do ?? 'continue') as Decision['do']),
      attempts: Number(then.attempts ?? 3),
      delay: Number(then.delay ?? 1),
      backoff: String(then.backoff ?? 'fixed'),
    };
  }
  return { do: output.status === 'error' ? 'fail' : 'continue', attempts: 1, delay: 0, backoff: 'fixed' };
}

// int8 and numeric come back as JSON numbers from NoETL's postgres tool; pg would give strings.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) || oid === 1700 ? n : v;
      };
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function runPostgres(pool: pg.Pool, tool: ToolSpec, ctx: Ctx): Promise<Record<string, unknown>> {
  const sql = String(renderValue(tool.query ?? tool.command, ctx));
  let results: pg.QueryResult | pg.QueryResult[];
  const client = await pool.connect();
  // Two executions creating the same table at once collide in the catalog (pg_type unique index) on a
  // fresh database; serialising DDL statements avoids that without changing what they do.
  const ddl = /\bCREATE\s+(TABLE|INDEX|SCHEMA|UNIQUE\s+INDEX)\b/i.test(sql);
  try {
    if (ddl) await client.query('SELECT pg_advisory_lock(4242001)');
    results = (await client.query({ text: sql, types } as pg.QueryConfig)) as pg.QueryResult | pg.QueryResult[];
  } catch (err) {
    throw new ToolError(`postgres: ${(err as Error).message}`);
  } finally {
    if (ddl) await client.query('SELECT pg_advisory_unlock(4242001)').catch(() => {});
    client.release();
  }
  const list = Array.isArray(results) ? results : [results];
  const out: Record<string, unknown> = {};
  list.forEach((r, i) => {
    const hasRows = r.fields && r.fields.length > 0;
    out[`command_${i}`] = hasRows
      ? { status: 'success', rows: r.rows, row_count: r.rowCount ?? r.rows.length, columns: r.fields.map((f) => f.name) }
      : { status: 'success', row_count: r.rowCount ?? 0, message: `${r.command ?? 'OK'} ${r.rowCount ?? 0}` };
  });
  return out;
}
