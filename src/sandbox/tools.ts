// Tool runners for the sandbox engine: python (worker processes), http (undici, hermetic), postgres.
// The playbook tool lives in the engine because it starts executions.
import pg from 'pg';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import type { PythonPool } from './python-pool.js';
import { renderString, renderValue, truthy } from './templates.js';
import type { ToolSpec } from './dsl.js';
import type { HttpResponse, ToolSemantics } from './semantics.js';

import { ToolError } from './tool-error.js';
import { loadScript } from './python-script.js';
export { ToolError };

export type Ctx = Record<string, unknown>;

export interface HttpRouting {
  echoUrl: string;
  allowNetwork: boolean;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** The http timeout when a tool sets none (fault http-timeouts); else the engine's own default. */
  defaultTimeoutSeconds?: number;
}

export interface RetryNotice {
  attempt: number;
  maxAttempts: number;
  httpStatus: number;
  delayMs: number;
  error: string;
  /** The last attempt failed and the rule allows no more. */
  exhausted?: boolean;
}

/** A python tool's value; `sem` says how the engine enters the code and what code that set none yields. */
export async function runPython(
  pool: PythonPool,
  tool: ToolSpec,
  ctx: Ctx,
  sem: Pick<ToolSemantics, 'pythonNoResult' | 'pythonEntry'>,
): Promise<unknown> {
  // A value whose template meets a TemplateFault (only 4.26.0's proxied results raise one) is passed as
  // written, as that engine does with a tool's input.
  const input = (renderValue(tool.input ?? {}, ctx, true) as Record<string, unknown>) ?? {};
  const libs = (tool.libs ?? {}) as Record<string, string>;
  const executionId = ctx.execution_id === undefined ? undefined : String(ctx.execution_id);
  // A `script` (accepted where the engine has one: dialect.ts) comes before `code`, as on 4.26.0.
  const code = tool.script === undefined ? String(tool.code) : await loadScript(renderValue(tool.script, ctx));
  const { value, stdout } = await pool.run({
    code,
    input,
    libs,
    execution_id: executionId,
    entry: sem.pythonEntry,
  });
  return value === null || value === undefined ? sem.pythonNoResult(stdout) : value;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class HttpTool {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  /** The agent that follows redirects, by how many (one per dialect at most). */
  private readonly following = new Map<number, Dispatcher>();
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
        this.routing.log(
          'info',
          `hermetic sandbox: http calls to ${url.host} are answered by the local echo endpoint ${this.routing.echoUrl}`,
        );
      }
      const echo = new URL(this.routing.echoUrl);
      return `${echo.origin}${url.pathname}${url.search}`;
    }
    if (!LOCAL_HOSTS.has(url.hostname) && !this.routing.allowNetwork) {
      throw new ToolError(
        `http tool: outside host ${url.host} is blocked in the hermetic sandbox (use --allow-network to permit it)`,
      );
    }
    return url.toString();
  }

  async run(tool: ToolSpec, ctx: Ctx, sem: ToolSemantics, onRetry: (n: RetryNotice) => void): Promise<unknown> {
    const method = String(renderValue(tool.method ?? 'GET', ctx)).toUpperCase();
    const target = this.route(String(renderValue(tool.url, ctx)));
    const headers = (renderValue(tool.headers ?? {}, ctx) as Record<string, string>) ?? {};
    const params = tool.params === undefined ? undefined : (renderValue(tool.params, ctx) as Record<string, unknown>);
    const timeoutMs = sem.httpTimeoutMs(tool, ctx, this.routing.defaultTimeoutSeconds);
    const rules = (((tool.spec as Record<string, unknown> | undefined)?.policy as Record<string, unknown> | undefined)
      ?.rules ?? []) as Record<string, unknown>[];
    let url = target;
    if (params) {
      const u = new URL(target);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
      url = u.toString();
    }
    const { body, contentType } = method === 'GET' && !sem.httpGetBody ? {} : sem.httpBody(tool, ctx);
    const sent = {
      method,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
      body,
      timeoutMs,
    };
    for (let attempt = 1; ; attempt++) {
      const { status, response, failure } = await this.once(url, target, sent, sem);
      const result = response ? sem.httpResult(response) : undefined;
      const ok = sem.httpOk(status);
      // Rust: a request that got no response leaves the tool as an error no retry rule sees (http.rs 237).
      const error = ok ? '' : sem.httpError(status, url, failure);
      if (!status && !sem.retriesTransport) throw new ToolError(error);
      const decision = decide(rules, sem.policyOutput(ok, result, failure));
      if (decision.do === 'retry' && attempt < decision.attempts) {
        const delayMs = retryDelaySeconds(decision, attempt) * 1000;
        onRetry({ attempt, maxAttempts: decision.attempts, httpStatus: status, delayMs, error });
        await new Promise((r) => setTimeout(r, delayMs));
        continue;
      }
      if (!ok && decision.do === 'retry')
        onRetry({ attempt, maxAttempts: decision.attempts, httpStatus: status, delayMs: 0, error, exhausted: true });
      if (!ok) throw new ToolError(`${error}${decision.do === 'retry' ? ` after ${attempt} attempts` : ''}`, result);
      return result;
    }
  }

  /** One request: the status (0 when none came back) and the response, or why it failed. */
  private async once(
    url: string,
    target: string,
    r: { method: string; headers: Record<string, string>; body: string | undefined; timeoutMs: number },
    sem: ToolSemantics,
  ): Promise<{ status: number; response?: HttpResponse; failure?: string }> {
    const started = performance.now();
    try {
      const res = await request(url, {
        method: r.method as 'POST',
        headers: r.headers,
        body: r.body,
        dispatcher: this.dispatcher(sem.httpRedirects),
        headersTimeout: r.timeoutMs,
        bodyTimeout: r.timeoutMs,
      });
      const text = await res.body.text();
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers))
        resHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
      let data: unknown = text;
      if (sem.httpParsesJson(resHeaders['content-type'] ?? '')) {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      return {
        status: res.statusCode,
        response: {
          status_code: res.statusCode,
          headers: resHeaders,
          url: target,
          elapsed: (performance.now() - started) / 1000,
          data,
        },
      };
    } catch (err) {
      return { status: 0, failure: (err as Error).message };
    }
  }

  private dispatcher(redirects: number): Dispatcher {
    if (redirects <= 0) return this.agent;
    let d = this.following.get(redirects);
    if (!d)
      this.following.set(redirects, (d = this.agent.compose(interceptors.redirect({ maxRedirections: redirects }))));
    return d;
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

/** The first matching policy rule (an `else` rule always matches). No rules: errors fail. Defaults: retryDelaySeconds. */
function decide(rules: Record<string, unknown>[], output: Record<string, unknown>): Decision {
  for (const rule of rules) {
    const elseRule = rule.else as Record<string, unknown> | undefined;
    const matches = elseRule !== undefined || truthy(renderString(String(rule.when ?? 'false'), { output }));
    if (!matches) continue;
    const then = ((elseRule ? elseRule.then : rule.then) ?? {}) as Record<string, unknown>;
    return {
      do: String(then.do ?? 'continue') as Decision['do'],
      attempts: Number(then.attempts ?? 3),
      delay: Number(then.delay ?? 1),
      backoff: String(then.backoff ?? 'none'),
    };
  }
  return { do: output.status === 'error' ? 'fail' : 'continue', attempts: 1, delay: 0, backoff: 'none' };
}

/**
 * The wait before retry `attempt` (1 for the first), the same on both engines: a rule's defaults are
 * attempts 3, backoff `none`, delay 1.0; `none` waits 0, `linear` delay·attempt, `exponential`
 * delay·2^(attempt−1), any other name delay (noetl/tools src/tools/task_sequence.rs 743-806 @ded9454;
 * noetl 4.26.0 noetl/worker/task_sequence_executor.py 1051-1068).
 */
export function retryDelaySeconds(d: Pick<Decision, 'backoff' | 'delay'>, attempt: number): number {
  if (d.backoff === 'none') return 0;
  if (d.backoff === 'linear') return d.delay * attempt;
  if (d.backoff === 'exponential') return d.delay * 2 ** (attempt - 1);
  return d.delay;
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

export async function runPostgres(
  pool: pg.Pool,
  tool: ToolSpec,
  ctx: Ctx,
  sem: ToolSemantics,
): Promise<Record<string, unknown>> {
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
  return sem.postgresResult(Array.isArray(results) ? results : [results]);
}
