// What differs between the two server generations the sandbox answers as (noetl-contract §1, §2.2):
// error bodies, request parsing errors, status shapes, cancel answers, id parsing and event names. The
// API's handlers ask this module instead of branching on the dialect themselves.
import type { Dialect } from '../model.js';
import { parseJson } from '../json.js';
import { HttpError, HttpErrorDetail } from './http-error.js';
import type { Execution } from './execution.js';
import type { DslRules } from './dsl-rules.js';

export interface DialectApi {
  readonly name: Dialect;
  errorBody(status: number, message: string): unknown;
  /** A request body as an object, or the error this server gives for it. */
  parseBody(contentType: string, text: string): Record<string, unknown>;
  /** An execution id from the path; Rust rejects non-numbers before the handler. */
  checkId(raw: string): void;
  notFound(raw: string): string;
  /** The 404 message for a playbook execute cannot find (Python names the executable catalog entry). */
  playbookNotFound(message: string): string;
  status(e: Execution): unknown;
  /**
   * This server with its status computed from the steps: Rust's NOETL_EXECUTION_STATUS_FROM_STEPS (server
   * src/services/execution.rs 941-944, @d9ec700): FAILED once a step recorded an error, even after
   * playbook.completed. The legacy Python server has no such switch: itself.
   */
  withStatusFromSteps(): DialectApi;
  cancelled(e: Execution, cancelled: Execution[]): unknown;
  cannotCancel(e: Execution): HttpError;
  /** Whether cancel cascades to child executions (Rust ignores the body: no cascade). */
  cascade(body: Record<string, unknown>): boolean;
  /** The catalog kind filter: Rust compares exactly (lower-case), Python ignores case. */
  kindMatches(stored: string, asked: string): boolean;
  startEventType: string;
  /** Whether the framework's own errors (extractors, 404, 405) are plain text (axum) or JSON (FastAPI). */
  readonly plainFrameworkErrors: boolean;
  /** The kind the catalog stores for a playbook. */
  readonly catalogKind: string;
  /** Whether a playbook that does not compile is stored at register and refused at execute (Rust). */
  readonly compileAtExecute: boolean;
  /** Whether execute honours a catalog version (Python) or always runs a path's latest (Rust). */
  readonly honoursVersion: boolean;
  /** The error for a parent_execution_id sent as a string, or undefined when one is accepted. */
  stringParentIdError(): HttpError | undefined;
  /** What the engine's playbook model accepts beyond the subset (dsl.ts DslRules). */
  readonly dsl: DslRules;
  /** Whether POST /api/executions/{id}/finalize exists (Rust). */
  readonly finalizeRoute: boolean;
  /** Whether the Rust-only routes exist (ehdb state and events). */
  readonly ehdbRoutes: boolean;
  /** Whether GET /api/executions/{id}/events pages the events (Python only). */
  readonly pagedEventsRoute: boolean;
  /** Whether the execution detail pages its events newest first (Python) or lists them all (Rust). */
  readonly detailPaged: boolean;
  /** Whether /api/health checks the database and answers with the server's version (Rust). */
  readonly healthChecksDatabase: boolean;
  /** A failed query on /api/postgres/execute: Rust's 500, or undefined for Python's 200 `status: error`. */
  queryError(message: string): HttpError | undefined;
  /**
   * How the query endpoint runs SQL: Rust prepares it (one statement), sorts the columns by name and
   * answers null for the column types its decoder cannot read (noetl-contract §1.6).
   */
  readonly query: { readonly extendedMode: boolean; readonly sortColumns: boolean; nullTypes: ReadonlySet<number> };
}

const i64Error = (raw: string) => new HttpError(400, `Invalid URL: Cannot parse \`${raw}\` to a \`i64\``, true);

function rustStatus(e: Execution) {
  return {
    execution_id: e.id,
    status: e.shownState,
    current_step: e.currentStep,
    progress: {
      total_steps: e.entered.size,
      completed_steps: e.completed.size,
      running_steps: e.running.size,
      failed_steps: e.failed.size,
    },
    is_cancelled: e.state === 'CANCELLED',
  };
}

function pythonStatus(e: Execution) {
  const end = e.completedAt;
  const dur = ((end ?? new Date()).getTime() - e.startedAt.getTime()) / 1000;
  // Inferred from the events, not final: an emulated flap, or a run that ended with no terminal event.
  const flap = (e.state === 'RUNNING' && e.shownState !== 'RUNNING') || e.silentEnd;
  return {
    execution_id: e.id.toString(),
    current_step: e.currentStep,
    completed_steps: [...e.completed],
    failed: e.state === 'FAILED',
    completed: flap || e.state === 'COMPLETED' || e.state === 'CANCELLED',
    completion_inferred: flap,
    variables: {},
    start_time: e.startedAt.toISOString(),
    end_time: end?.toISOString() ?? null,
    duration_seconds: dur,
    duration_human: `${dur.toFixed(1)}s`,
  };
}

const asObject = (body: unknown) => body && typeof body === 'object' && !Array.isArray(body);

export const RUST: DialectApi = {
  name: 'rust',
  errorBody: (status, message) => ({ error: message, status }),
  parseBody(type, text) {
    if (!type.includes('application/json'))
      throw new HttpError(415, 'Expected request with `Content-Type: application/json`', true);
    let body: unknown;
    try {
      body = parseJson(text);
    } catch (err) {
      throw new HttpError(400, `Failed to parse the request body as JSON: ${(err as Error).message}`, true);
    }
    if (!asObject(body))
      throw new HttpError(
        422,
        'Failed to deserialize the JSON body into the target type: expected a JSON object',
        true,
      );
    return body as Record<string, unknown>;
  },
  checkId(raw) {
    if (!/^-?\d+$/.test(raw)) throw i64Error(raw);
  },
  notFound: (raw) => `Execution not found: ${raw}`,
  playbookNotFound: (message) => message,
  status: rustStatus,
  withStatusFromSteps() {
    return {
      ...this,
      status: (e: Execution) => {
        const base = rustStatus(e);
        const failedSteps = new Set([...e.failed, ...e.errored]).size;
        return {
          ...base,
          status: failedSteps > 0 && base.status !== 'CANCELLED' ? 'FAILED' : base.status,
          progress: { ...base.progress, failed_steps: failedSteps },
        };
      },
    };
  },
  cancelled: (e) => ({ execution_id: e.id, status: 'cancelled', message: 'Execution cancellation requested' }),
  cannotCancel: (e) => new HttpError(422, `Cannot cancel execution in ${e.state} state`),
  cascade: () => false,
  kindMatches: (stored, asked) => stored === asked,
  startEventType: 'playbook_started',
  plainFrameworkErrors: true,
  catalogKind: 'playbook',
  compileAtExecute: true,
  honoursVersion: false,
  stringParentIdError: () =>
    new HttpError(
      422,
      'Failed to deserialize the JSON body into the target type: parent_execution_id: invalid type: string, expected i64',
      true,
    ),
  // Rust's serde ignores the keys outside its Step (orchestrate-core src/playbook.rs, no deny_unknown_fields).
  dsl: {
    stepKeys: new Set(['step', 'desc', 'spec', 'when', 'args', 'vars', 'set', 'loop', 'tool', 'next']),
    toolKeys: {},
    topKeys: new Set(),
    nextModes: new Set(['exclusive']),
  },
  ehdbRoutes: true,
  finalizeRoute: true,
  pagedEventsRoute: false,
  detailPaged: false,
  healthChecksDatabase: true,
  queryError: (message) => new HttpError(500, `Database error: ${message}`),
  query: { extendedMode: true, sortColumns: true, nullTypes: new Set([1114, 21, 1700, 2950, 700]) },
};

/**
 * noetl 4.26.0's playbook model (wheel paths): its Step (core/dsl/engine/models/workflow.py 394-452) has no
 * `when` and no `output`, and pydantic drops keys a model lacks: seen on 4.26.0 here, a step whose `when`
 * is false runs, and its `input` overrides its tool's. Its ToolSpec takes any key (models/tools.py 178).
 * The tool keys below are accepted, each with what the sandbox does with it:
 * - postgres `pool`: the sizes of the tool's own pool (tools/postgres/executor.py 249); the sandbox's one
 *   data pool serves every postgres tool, so they change nothing here;
 * - http `verify_ssl`: TLS verification (tools/http/executor.py 344-346); the sandbox sends plain http to
 *   loopback, where it changes nothing;
 * - python `script`: code loaded from a file or http (core/script/resolver.py), as python-script.ts does;
 * - playbook `payload`, `retry`: not read by its playbook tool (worker/nats_worker.py 2838-2848, 3269-3290).
 * A top-level `workbook` (models/executor.py 159-180) is accepted and unused: no `kind: workbook` runs here.
 * `next.spec.mode: inclusive` takes every arc that holds (models/workflow.py 268-276).
 */
const PYTHON_DSL: DslRules = {
  stepKeys: new Set(['step', 'desc', 'spec', 'input', 'loop', 'tool', 'next', 'set']),
  toolKeys: {
    postgres: new Set(['pool']),
    http: new Set(['verify_ssl']),
    python: new Set(['script']),
    playbook: new Set(['payload', 'retry']),
  },
  topKeys: new Set(['workbook']),
  nextModes: new Set(['exclusive', 'inclusive']),
};

export const PYTHON: DialectApi = {
  name: 'python',
  errorBody: (_status, message) => ({ detail: message }),
  parseBody(_type, text) {
    let body: unknown;
    try {
      body = parseJson(text || '{}');
    } catch (err) {
      throw new HttpErrorDetail(422, [
        {
          type: 'json_invalid',
          loc: ['body', 0],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: (err as Error).message },
        },
      ]);
    }
    if (!asObject(body))
      throw new HttpErrorDetail(422, [
        { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' },
      ]);
    return body as Record<string, unknown>;
  },
  checkId() {},
  notFound: (raw) => `Execution ${raw} not found`,
  playbookNotFound: (message) => message.replace(/^Playbook not found/, 'Executable catalog entry not found'),
  status: pythonStatus,
  withStatusFromSteps() {
    return this;
  },
  cancelled: (e, cancelled) => ({
    status: 'cancelled',
    execution_id: e.id.toString(),
    cancelled_executions: cancelled.map((c) => c.id.toString()),
    message: `Cancelled ${cancelled.length} execution(s)`,
  }),
  cannotCancel: (e) => new HttpError(400, `Execution ${e.id} is already ${e.state.toLowerCase()}`),
  cascade: (body) => body.cascade !== false,
  kindMatches: (stored, asked) => stored.toLowerCase() === asked.toLowerCase(),
  startEventType: 'playbook.initialized',
  plainFrameworkErrors: false,
  catalogKind: 'Playbook',
  compileAtExecute: false,
  honoursVersion: true,
  stringParentIdError: () => undefined,
  dsl: PYTHON_DSL,
  ehdbRoutes: false,
  finalizeRoute: false,
  pagedEventsRoute: true,
  detailPaged: true,
  healthChecksDatabase: false,
  queryError: () => undefined,
  query: { extendedMode: false, sortColumns: false, nullTypes: new Set() },
};

const DIALECT_APIS: Record<Dialect, DialectApi> = { rust: RUST, python: PYTHON };

export const dialectApi = (d: Dialect): DialectApi => DIALECT_APIS[d];
