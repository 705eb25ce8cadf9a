// How each engine's tools read their config and shape their results (noetl-contract §6.6). The sandbox's
// rust dialect follows the Rust tools (noetl/tools src/tools/http.rs, src/tools/postgres.rs,
// src/tools/task_sequence.rs); the python dialect follows the legacy Python engine (noetl/noetl
// noetl/tools/http/request.py and executor.py: `payload`, with `body` as its alias; postgres results
// collapsed to the last statement with a statement_count, as the released noetl 4.26.0 answers:
// noetl/tools/postgres/response.py collapse_results_to_last_command, since noetl/noetl b2fd0519). The engine asks this module
// instead of branching on the dialect.
import type pg from 'pg';
import type { Dialect } from '../model.js';
import type { ToolSpec } from './dsl.js';
import { PROXIED_RESULTS, renderValue } from './templates.js';
import { PythonToolError } from './python-pool.js';
import { ToolError } from './tool-error.js';

type Ctx = Record<string, unknown>;

export interface HttpResponse {
  status_code: number;
  headers: Record<string, string>;
  url: string;
  elapsed: number;
  data: unknown;
}

export interface ToolSemantics {
  readonly dialect: Dialect;
  /** The request body this engine sends for the tool config (undefined: none) and its content type. */
  httpBody(tool: ToolSpec, ctx: Ctx): { body?: string; contentType?: string };
  /** The http tool's timeout: the tool's own, else `fallbackSeconds` when given, else the engine's default. */
  httpTimeoutMs(tool: ToolSpec, ctx: Ctx, fallbackSeconds?: number): number;
  /** What the step (and the next tools) see of a response. */
  httpResult(r: HttpResponse): Record<string, unknown>;
  /** What a task-sequence policy rule sees as `output`. */
  policyOutput(
    ok: boolean,
    result: Record<string, unknown> | undefined,
    error: string | undefined,
  ): Record<string, unknown>;
  postgresResult(results: pg.QueryResult[]): Record<string, unknown>;
  /** The template namespace every step renders with. */
  baseCtx(executionId: string, workload: Ctx, results: Ctx): Ctx;
  /**
   * The log lines this engine's worker writes for one retry of a task (attempt: the one that failed) and
   * for a task that ran out of attempts, at the levels a production log shows (Rust logs single retries
   * at DEBUG, hidden at RUST_LOG=info).
   */
  retryLogLines(task: string, attempt: number, attempts: number, delayMs: number, error: string): string[];
  exhaustedLogLine(task: string, attempts: number): string;
  /**
   * A tool failure as a result the command completes with (Rust: an HTTP status it does not accept, a
   * python exception), or undefined when the failure fails the command (a tool that could not run).
   */
  errorResult(err: unknown, task: string): Record<string, unknown> | undefined;
  /** These semantics under the sandbox's --fail-on-step-error (NOETL_EXECUTION_FAIL_ON_STEP_ERROR, a Rust worker flag). */
  withFailOnStepError(this: ToolSemantics): ToolSemantics;
  /** What command.completed (and Python's step.exit) carry: Rust an envelope, Python call.done's result again. */
  completionResult(callDone: unknown, commandId: string, ok: boolean): unknown;
  /** call.done's result: Rust wraps the tool result with the command id; Python writes the object itself. */
  callDoneResult(c: {
    commandId: string;
    callIndex: number;
    tool: string | null;
    inner: unknown;
    value: unknown;
  }): unknown;
  /**
   * How many of a loop's items are issued at once: Rust issues a parallel loop's items all at once and a
   * sequential loop's one by one (orchestrator.rs test_step_loop_fans_out_iterations,
   * test_step_loop_sequential_dispatches_only_first); Python honours max_in_flight.
   */
  inFlight(maxInFlight: number, mode: 'parallel' | 'sequential'): number;
  /** Commands the workers run at once: Rust claims only what a slot frees. */
  readonly workerSlots: number;
  /** Whether an HTTP status is a success (Rust: 2xx only, noetl/tools src/tools/http.rs 275). */
  httpOk(status: number): boolean;
  /** Whether a GET sends the body it is given (Rust: reqwest sends it; the python dialect sends none). */
  readonly httpGetBody: boolean;
  /** How many redirects a request follows (Rust: reqwest's default policy, 10; Python: none by default). */
  readonly httpRedirects: number;
  /** Whether a response with this content type is parsed as JSON (falling back to its text). */
  httpParsesJson(contentType: string): boolean;
  /** A failed request's error text: an HTTP status (status > 0) or no response (`failure` says why). */
  httpError(status: number, url: string, failure: string | undefined): string;
  /** Whether a transport failure (no response) reaches the retry rules (Rust: no, http.rs 237). */
  readonly retriesTransport: boolean;
  /** Whether a failed command ends the run at once (Rust) or the run goes on and ends FAILED (Python). */
  readonly failedCommandEndsRun: boolean;
  /**
   * Whether commands already issued still run after the run ended FAILED or was cancelled: each is claimed
   * by a worker and runs its tools to the end (Rust), or none is claimed any more (the python dialect).
   */
  readonly commandsRunAfterEnd: boolean;
  /**
   * How a python tool's code is entered: `rust` wraps a top-level `return` as a function body and lets an
   * explicit `result` win over `main()` (noetl/tools src/tools/python.rs, T5); `legacy` execs the code as it
   * is (a top-level `return` is a SyntaxError) and calls a `main()` when one is defined, whatever `result`
   * says (noetl 4.26.0 noetl/tools/python/executor.py 686-697, 774-780).
   */
  readonly pythonEntry: 'rust' | 'legacy';
  /** A python tool's value when the code set no result (Rust: what it printed, noetl/tools python.rs). */
  pythonNoResult(stdout: string): unknown;
  /** A finished loop's result as the next steps see it. */
  loopResult(
    results: unknown[],
    stats: { total: number; success: number; failed: number },
    arrivals: unknown[],
    last: unknown,
  ): unknown;
}

const isObject = (v: unknown) => v !== null && typeof v === 'object';

/** Rust: `json` (JSON), else `form` (urlencoded), else `body` (a string as text, anything else as JSON). */
function rustBody(tool: ToolSpec, ctx: Ctx): { body?: string; contentType?: string } {
  if (tool.json !== undefined)
    return { body: JSON.stringify(renderValue(tool.json, ctx)), contentType: 'application/json' };
  if (tool.form !== undefined) {
    const form = renderValue(tool.form, ctx) as Record<string, unknown>;
    return {
      body: new URLSearchParams(Object.entries(form ?? {}).map(([k, v]) => [k, String(v)])).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  if (tool.body === undefined) return {};
  const body = renderValue(tool.body, ctx);
  return typeof body === 'string' ? { body } : { body: JSON.stringify(body), contentType: 'application/json' };
}

/** Python: `payload`, or `body` as its alias; a dict or list goes as JSON, anything else is not sent. */
function pythonBody(tool: ToolSpec, ctx: Ctx): { body?: string; contentType?: string } {
  const raw = tool.payload ?? tool.body;
  if (raw === undefined) return {};
  const payload = renderValue(raw, ctx);
  return isObject(payload) ? { body: JSON.stringify(payload), contentType: 'application/json' } : {};
}

function statementResult(r: pg.QueryResult): Record<string, unknown> {
  return r.fields && r.fields.length > 0
    ? { status: 'success', rows: r.rows, row_count: r.rowCount ?? r.rows.length, columns: r.fields.map((f) => f.name) }
    : { status: 'success', row_count: r.rowCount ?? 0, message: `Command executed. ${r.rowCount ?? 0} rows affected.` };
}

export const SEMANTICS: Record<Dialect, ToolSemantics> = {
  rust: {
    dialect: 'rust',
    httpBody: rustBody,
    httpTimeoutMs: (tool, ctx, fallback) => Number(renderValue(tool.timeout_seconds ?? fallback ?? 30, ctx)) * 1000,
    httpResult: (r) => ({ status_code: r.status_code, headers: r.headers, data: r.data, body: r.data }),
    policyOutput: (ok, result) => ({
      status: ok ? 'success' : 'error',
      data: result ?? null,
      error: { retryable: false },
    }),
    postgresResult: (results) => {
      const last = results[results.length - 1];
      if (!last?.fields?.length)
        return last?.command === 'SELECT'
          ? { columns: [], rows: [], row_count: 0 }
          : { affected_rows: last?.rowCount ?? 0 };
      return { columns: last.fields.map((f) => f.name), rows: last.rows, row_count: last.rows.length };
    },
    baseCtx: (id, workload, results) => ({ ...workload, workload, ...results, execution_id: id }),
    // noetl/tools src/tools/task_sequence.rs 656-672 (DEBUG) and 633-637 (ERROR).
    retryLogLines: () => [],
    // Worker tests/tool_error_gates_the_dag.rs @be51cd62 (W5): with the flag on, a tool error fails the command.
    withFailOnStepError() {
      return { ...this, errorResult: () => undefined };
    },
    errorResult: (err, task) =>
      err instanceof PythonToolError || (err instanceof ToolError && err.output !== undefined)
        ? { status: 'error', task, error: (err as Error).message, data: (err as ToolError).output ?? null }
        : undefined,
    // noetl/worker src/events/emitter.rs emit_call_done (218-241 at f6fae7e): command_id, call_index and
    // result; no tool name.
    callDoneResult: ({ commandId, callIndex, inner }) => ({
      status: 'COMPLETED',
      context: { command_id: commandId, call_index: callIndex, result: inner },
    }),
    completionResult: (_callDone, commandId, ok) => {
      const status = ok ? 'success' : 'error';
      return { status, context: { command_id: commandId, status } };
    },
    inFlight: (_n, mode) => (mode === 'parallel' ? Number.POSITIVE_INFINITY : 1),
    // WORKER_MAX_CONCURRENT=4 (noetl/ops worker-rust-deployment-prod) times the sandbox's four workers.
    workerSlots: 16,
    httpOk: (status) => status >= 200 && status < 300,
    // noetl/tools src/tools/http.rs: HttpTool::new builds a reqwest client with the default redirect policy
    // (166-170), the body is set whatever the method (210-224), and response_type Json, the default, parses
    // any text and falls back to the string (247-252). Checked against PyPI noetl 5.3.2's http tool
    // (noetl-tools 4.2.0) by test/rust-http-differential.test.ts.
    httpGetBody: true,
    httpRedirects: 10,
    httpParsesJson: () => true,
    // The result's error for a status outside 2xx (http.rs 276-281); a request that got no response is the
    // tool's Err, which prints reqwest's error without its cause (tools error.rs 80-82): the same text for a
    // refused connection and a timeout.
    httpError: (status, url) =>
      status ? `HTTP ${status} response` : `HTTP error: error sending request for url (${url})`,
    retriesTransport: false,
    failedCommandEndsRun: true,
    // The claim route refuses a command only once `execution.cancelled` exists (server src/handlers/events.rs
    // 1030-1048 @d9ec700), which neither a failure nor Rust's own cancel (`playbook_cancelled`) writes, and
    // the worker never asks whether its execution was cancelled (no call of the cancellation-check route in
    // noetl/worker src @f6fae7e).
    commandsRunAfterEnd: true,
    exhaustedLogLine: (task, attempts) =>
      `ERROR noetl_tools::task_sequence: task_sequence: retry exhausted task=${task} attempts=${attempts}`,
    // The list of the iterations' command.completed envelopes in arrival order (orchestrate-core state.rs
    // 793-812; noetl-contract §7.1).
    loopResult: (_results, _stats, arrivals) => arrivals,
    pythonNoResult: (stdout) => ({ stdout, stderr: '' }),
    pythonEntry: 'rust',
  },
  python: {
    dialect: 'python',
    httpBody: pythonBody,
    httpTimeoutMs: (tool, ctx, fallback) => Number(renderValue(tool.timeout ?? fallback ?? 60, ctx)) * 1000,
    httpResult: (r) => ({ ...r }),
    policyOutput: (ok, result, error) => ({
      status: ok ? 'success' : 'error',
      http: { status: Number(result?.status_code ?? 0) },
      data: result ?? null,
      ...(error ? { error } : {}),
    }),
    postgresResult: (results) =>
      results.length
        ? { ...statementResult(results[results.length - 1]), statement_count: results.length }
        : { status: 'success', message: 'No SQL statements executed', statement_count: 0 },
    // 4.26.0's renderer proxies step results (templates.ts TemplateFault): the names it proxies ride along.
    baseCtx: (id, workload, results) => ({
      ...workload,
      workload,
      ...results,
      execution_id: id,
      job: { execution_id: id },
      [PROXIED_RESULTS]: new Set(Object.keys(results)),
    }),
    // noetl/worker/task_sequence_executor.py 563 (WARNING), 640, 698-701 (INFO), 685 (ERROR).
    retryLogLines: (task, attempt, attempts, delayMs, error) => [
      `[TASK_SEQ] Task '${task}' failed: ${error}`,
      `[TASK_SEQ] Waiting ${(delayMs / 1000).toFixed(2)}s before retry (backoff=exponential)`,
      `[TASK_SEQ] Retrying task '${task}' (attempt ${attempt + 1}/${attempts})`,
    ],
    exhaustedLogLine: (task, attempts) => `[TASK_SEQ] Task '${task}' exceeded max attempts (${attempts})`,
    errorResult: () => undefined,
    // The flag is the Rust worker's; 4.26.0 fails a command on a tool error anyway.
    withFailOnStepError() {
      return this;
    },
    // noetl 4.26.0, seen here: {status: "COMPLETED", context: {...the tool's object, command_id}}.
    callDoneResult: ({ commandId, value, inner }) =>
      (inner as { reference?: unknown }).reference
        ? {
            status: 'COMPLETED',
            context: { command_id: commandId },
            reference: (inner as { reference: unknown }).reference,
          }
        : {
            status: 'COMPLETED',
            context:
              value && typeof value === 'object' && !Array.isArray(value)
                ? { ...value, command_id: commandId }
                : { value, command_id: commandId },
          },
    // noetl/noetl tests/unit/dsl/engine/test_loop_parallel_dispatch.py: max_in_flight 3 issues 3 commands.
    completionResult: (callDone) => callDone,
    inFlight: (n) => n,
    workerSlots: Number.POSITIVE_INFINITY,
    httpOk: (status) => status > 0 && status < 400,
    // noetl 4.26.0 noetl/tools/http: follow_redirects defaults to false (executor.py 347); a response is
    // parsed as JSON only when its Content-Type holds application/json (response.py 53-60). A GET's
    // payload goes as query parameters there (request.py 62-71), which the python dialect does not do: it
    // sends a GET no body and no parameters from it.
    httpGetBody: false,
    httpRedirects: 0,
    httpParsesJson: (contentType) => contentType.toLowerCase().includes('application/json'),
    httpError: (status, url, failure) =>
      status ? `HTTP ${status} from ${url}` : `request to ${url} failed: ${failure}`,
    retriesTransport: true,
    failedCommandEndsRun: false,
    commandsRunAfterEnd: false,
    // noetl 4.26.0 keeps no array of results: the latest iteration's (compacted when large) and counters
    // (core/dsl/engine/executor/state.py add_loop_result 417-435, get_loop_aggregation 437-454). The
    // compaction of a large result to a preview is not emulated.
    loopResult: (_results, stats, _arrivals, last) => ({ results: last === undefined ? [] : [last], stats }),
    pythonNoResult: () => null,
    pythonEntry: 'legacy',
  },
};
