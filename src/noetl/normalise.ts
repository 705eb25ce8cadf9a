// Normalising what either server dialect answers (noetl-contract §1.4, §1.5), ids and comparisons, and
// one-line errors for HTTP statuses and network failures.
import { envError, EXIT, LoadrunError } from '../errors.js';
import { idString } from '../json.js';
import type { ExecState, NoetlEvent, NormalStatus } from '../model.js';

export class HttpStatusError extends LoadrunError {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly what: string,
    hint?: string,
  ) {
    super(`${what}: HTTP ${status} ${summariseBody(body)}`, status >= 500 ? EXIT.ENVIRONMENT : EXIT.USAGE, hint);
  }
}

/**
 * What an execute refusal means (noetl/server src/error.rs: AppError::Parse 400 when serde cannot read the
 * playbook, AppError::Validation 422 when it fails the checks, AppError::Forbidden 403).
 */
const EXECUTE_REFUSALS: Record<number, string> = {
  400: 'the server could not read the playbook: its YAML lacks a field or has a wrong type (check-playbook)',
  422: 'the server refused the playbook or the request as invalid (check-playbook names what it can)',
  403: 'the server forbids this execution to the caller (a token or residency policy)',
};

/** An execute the server refused, with what the refusal means where the status says it. */
export function executeRefusal(err: unknown): unknown {
  if (!(err instanceof HttpStatusError)) return err;
  const hint = EXECUTE_REFUSALS[err.status];
  return hint ? new HttpStatusError(err.status, err.body, err.what, hint) : err;
}

function summariseBody(body: string): string {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const m = j.error ?? j.detail ?? j.message;
    if (typeof m === 'string') return m;
    if (m !== undefined) return JSON.stringify(m).slice(0, 200);
  } catch {
    /* plain text */
  }
  return body.replace(/\s+/g, ' ').slice(0, 200);
}

const TERMINAL_RUST: Record<string, ExecState> = { COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled' };

/** Normalises a status body of either dialect (noetl-contract §1.4). */
export function normaliseStatus(body: Record<string, unknown>, requestedId: string): NormalStatus {
  const executionId = idString(body.execution_id) ?? requestedId;
  const currentStep = typeof body.current_step === 'string' ? body.current_step : null;
  let state: ExecState;
  if (typeof body.status === 'string') {
    state = TERMINAL_RUST[body.status.toUpperCase()] ?? (body.is_cancelled === true ? 'cancelled' : 'running');
  } else if (body.failed === true) {
    // Python says failed as soon as any command.failed exists, while the loop goes on
    // (noetl/server/api/core/execution.py): only a terminal event (playbook.failed, workflow.failed) ends it.
    state = 'running';
  } else if (body.completed === true) {
    state = 'completed';
  } else {
    state = 'running';
  }
  const p = body.progress as Record<string, unknown> | undefined;
  const progress =
    p && typeof p === 'object'
      ? {
          totalSteps: Number(p.total_steps ?? 0),
          completedSteps: Number(p.completed_steps ?? 0),
          runningSteps: Number(p.running_steps ?? 0),
          failedSteps: Number(p.failed_steps ?? 0),
        }
      : Array.isArray(body.completed_steps)
        ? {
            totalSteps: body.completed_steps.length,
            completedSteps: body.completed_steps.length,
            runningSteps: state === 'running' ? 1 : 0,
            failedSteps: state === 'failed' ? 1 : 0,
          }
        : null;
  return { executionId, state, currentStep, progress, inferred: body.completion_inferred === true, raw: body };
}

export function normaliseEvent(e: Record<string, unknown>, executionId: string): NoetlEvent | undefined {
  const eventId = idString(e.event_id);
  if (!eventId) return undefined;
  return {
    eventId,
    executionId: idString(e.execution_id) ?? executionId,
    type: String(e.event_type ?? ''),
    node: typeof e.node_name === 'string' ? e.node_name : null,
    status: typeof e.status === 'string' ? e.status : null,
    createdAt: typeof (e.created_at ?? e.timestamp) === 'string' ? String(e.created_at ?? e.timestamp) : null,
  };
}

export function assertId(id: string, what = 'execution id'): string {
  if (!/^\d{1,20}$/.test(id))
    throw new LoadrunError(
      `${what} ${JSON.stringify(id)} is not a number`,
      EXIT.USAGE,
      'NoETL ids are 64-bit integers',
    );
  return id;
}

export function cmpId(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

export function errorCode(err: Error | undefined): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err?.cause as NodeJS.ErrnoException | undefined)?.code;
}

export function describeNetworkError(err: Error | undefined, base: string): string {
  if (!err) return 'unknown error';
  const code = errorCode(err);
  if (code === 'ECONNREFUSED') return `connection refused at ${base}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${new URL(base).hostname})`;
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    err.name === 'TimeoutError' ||
    err.name === 'AbortError'
  )
    return `timed out talking to ${base}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset by ${base}`;
  if (err instanceof HttpStatusError) return err.message;
  return err.message.split('\n')[0];
}
