// What the tool does differently per engine dialect, as a client of the engine: one table, so no branch on
// the dialect is written anywhere else in the client (test/architecture.test.ts fails on a new one). The
// sandbox's own tables (src/sandbox/semantics.ts, event-shapes.ts, dialect.ts) say how it answers as each
// engine; this one says how the tool reads each engine.
import type { Dialect } from './model-core.js';

export interface EngineDialect {
  /** The catalog's resource type as the list route takes it (Rust lower case, Python `Playbook`). */
  readonly catalogResourceType: string;
  /**
   * How events are read after a cursor: Rust's ehdb projection pages ascending after an id
   * (noetl/server src/handlers/ehdb.rs); Python's events route pages newest first, read back to the cursor.
   */
  readonly eventsRoute: 'ehdb-after' | 'pages-newest-first';
  /**
   * Whether the server passes every event's result through its redaction on the events route (noetl 4.26.0
   * noetl/server/api/execution/endpoint.py 165: CPU-seconds per 64 KB page), so a real server is read by SQL.
   */
  readonly redactsServedEvents: boolean;
  /** Whether a retry is logged below INFO (Rust: DEBUG, noetl/tools src/tools/task_sequence.rs 656-672). */
  readonly retriesAtDebug: boolean;
  /**
   * Whether the commands a run issued still run, and store rows, after the run ended FAILED or was
   * cancelled. Rust: playbook.failed comes once no step runs (orchestrate-core orchestrator.rs 717-773
   * @d9ec700) while a loop's other commands are claimed and run on, and a cancel writes playbook_cancelled
   * while the claim route refuses only after execution.cancelled (server src/handlers/events.rs 1030-1048).
   * Python ends a failed run after its work (noetl 4.26.0, seen).
   */
  readonly commandsRunAfterEnd: boolean;
  /**
   * check-playbook: http body fields this engine does not send (a body goes nowhere unless one of
   * `sentWith` is there too). Rust's HttpConfig has body, json and form (noetl/tools src/tools/http.rs
   * 59-70); 4.26.0 reads payload, or body as its alias (noetl/tools/http/request.py).
   */
  readonly unsentHttpFields: { fields: string[]; sentWith: string[]; id: string; engineReads: string };
  /** check-playbook: whose template renderer to check against (Rust minijinja; Python Jinja2 with its proxies). */
  readonly templates: 'minijinja' | 'jinja2';
  /** Whether a parallel loop's items are all issued at once (Rust: orchestrator.rs fans out every item). */
  readonly issuesLoopAtOnce: boolean;
  /** check-playbook: whether older releases read other forms (`args:`, `outcome`: the legacy engine's). */
  readonly releaseForms: boolean;
  /**
   * check-playbook: step keys the engine's step model drops without a word. 4.26.0's Step
   * (core/dsl/engine/models/workflow.py 394-452) has no `when` and no `output`; seen there: a step whose
   * `when` is false runs.
   */
  readonly droppedStepKeys: Record<string, string>;
}

export const ENGINE_DIALECTS: Record<Dialect, EngineDialect> = {
  rust: {
    catalogResourceType: 'playbook',
    eventsRoute: 'ehdb-after',
    redactsServedEvents: false,
    retriesAtDebug: true,
    commandsRunAfterEnd: true,
    unsentHttpFields: {
      fields: ['payload'],
      sentWith: [],
      id: 'http-payload',
      engineReads: 'the Rust http tool has no payload field',
    },
    templates: 'minijinja',
    issuesLoopAtOnce: true,
    releaseForms: false,
    droppedStepKeys: {},
  },
  python: {
    catalogResourceType: 'Playbook',
    eventsRoute: 'pages-newest-first',
    redactsServedEvents: true,
    retriesAtDebug: false,
    commandsRunAfterEnd: false,
    unsentHttpFields: {
      fields: ['json', 'form'],
      sentWith: ['payload', 'body'],
      id: 'http-json',
      engineReads: 'the Python http tool reads payload: (or body:)',
    },
    templates: 'jinja2',
    issuesLoopAtOnce: false,
    releaseForms: true,
    droppedStepKeys: {
      when: 'route to it with an arc when: (next.arcs[].when), or test the condition in the step itself',
      output: 'select what the next steps need in a python step after it',
    },
  },
};

/** A client's table: an engine whose dialect is not known yet is read as Rust's (the current engine). */
export function engineDialect(d: Dialect | undefined): EngineDialect {
  return ENGINE_DIALECTS[d ?? 'rust'];
}

/** The dialect a target's label names ('sandbox, rust dialect', 'python 4.26.0, local'), if any. */
export function dialectOfLabel(label: string): Dialect | undefined {
  return /python/.test(label) ? 'python' : /rust/.test(label) ? 'rust' : undefined;
}

/** Where the tool reads retries from, and why it may not see them (TargetInfo.retriesNote). */
export function retriesNoteFor(dialect: string, workerLogs: boolean, sandbox = false): string | null {
  if (!workerLogs) return "retries are only logged, and no worker log is followed (--log-file names the worker's log)";
  // The sandbox logs a retry as the Rust worker does, at DEBUG: there is no worker whose RUST_LOG one could set.
  const retriesAtDebug = ENGINE_DIALECTS[dialect as Dialect]?.retriesAtDebug ?? false;
  if (retriesAtDebug && sandbox)
    return 'retries not counted: the rust dialect logs each retry at DEBUG, as the Rust worker does (noetl/tools src/tools/task_sequence.rs); exhausted retries are seen (ERROR); --sandbox-dialect python logs every retry';
  if (retriesAtDebug)
    return 'retries not observable at RUST_LOG=info (each retry is a DEBUG line: noetl/tools src/tools/task_sequence.rs) — set RUST_LOG=noetl_tools=debug on the worker; exhausted retries are still seen (ERROR)';
  return null;
}
