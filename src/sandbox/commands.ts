// Running one command: a step's tool or task sequence, with its command.* and call.* events, results over
// the context budget stored by reference (noetl.result_store), a lost python worker's command
// re-dispatched, and http retries logged as each engine's worker logs them (no engine writes a retry event).
import type pg from 'pg';
import type { Step, ToolSpec } from './dsl.js';
import type { EventRow } from './event-log.js';
import { CANCELLED, type CatalogEntry, type Execution } from './execution.js';
import { PythonWorkerLost, type PythonPool } from './python-pool.js';
import { renderValue } from './templates.js';
import { HttpTool, ToolError, runPostgres, runPython, type Ctx } from './tools.js';
import type { ToolSemantics } from './semantics.js';
import { STAGES } from './stages.js';
import { jsonBytes } from './json-bytes.js';
import { storeByReference } from './result-store.js';
import { EVENT_SHAPES } from './event-shapes.js';
import { Slots } from './slots.js';

export type EmitRow = Omit<EventRow, 'execution_id' | 'catalog_id'>;

/** What the command runner needs of the engine. */
export interface CommandHost {
  emit(exec: Execution, row: EmitRow): void;
  newId(): bigint;
  resolve(ref: { path?: string; catalogId?: bigint }): CatalogEntry;
  execute(entry: CatalogEntry, payload: Record<string, unknown>, parent: bigint | null): Execution;
  log(level: 'info' | 'warn' | 'error', msg: string): void;
}

export interface CommandTools {
  /** The system database (noetl.result_store). */
  pool: pg.Pool;
  /** The pool of a postgres tool's `auth:` credential (the fixture's data database). */
  dataPool: (auth: string) => pg.Pool;
  python: PythonPool;
  http: HttpTool;
  /** How this engine's tools read their config and shape their results. */
  semantics: ToolSemantics;
  resultContextMaxBytes: number;
  /** Fault: SIGKILL a python worker after this many python calls (0 = never). */
  crashWorkerAfterCalls: number;
  /** Fault legacy-loop-state: each tool result's JSON size, which the emulated loop state appends. */
  measureResults: boolean;
  /**
   * Fault child-status-blind: the playbook tool never sees its child end and returns only at its timeout
   * (noetl/noetl before 7acf458b, 2026-02-23: it polled status fields the server did not return).
   */
  childStatusBlind?: boolean;
}

export interface Iteration {
  index: number;
  item: unknown;
}

/** A postgres tool without `auth:` uses the fixture's credential (the sandbox has no other database). */
const DEFAULT_AUTH = 'pg_k8s';
const MAX_DISPATCH = 3; // a lost worker's command is re-dispatched, as a lease expiry would

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export class CommandRunner {
  private pythonCalls = 0;
  private crashed = false;
  /** The workers' slots a command waits for before it is claimed (Rust: issued is not claimed). */
  private readonly slots: Slots;

  constructor(
    private readonly host: CommandHost,
    private readonly t: CommandTools,
  ) {
    this.slots = new Slots(t.semantics.workerSlots);
  }

  /**
   * Runs the step's tool (or task sequence) as one command. Outside a loop it returns the step result;
   * inside a loop it returns the final tool result, each tool result's JSON size, the command id and
   * whether the tools succeeded (a Rust tool result with an error completes the command: noetl-contract §7.1).
   */
  async run(exec: Execution, step: Step, ctx: Ctx, iteration: Iteration | null): Promise<unknown> {
    const shapes = EVENT_SHAPES[this.t.semantics.dialect];
    const node = shapes.commandNode(step);
    const commandId = shapes.commandId(exec.id.toString(), step.step, this.host.newId().toString());
    const cols = iteration
      ? { current_index: iteration.index, current_item: truncate(JSON.stringify(iteration.item ?? null), 500) }
      : {};
    const issued = { node_id: node, node_name: node, ...cols };
    const base = { ...issued, worker_id: `sandbox-worker-${iteration ? iteration.index % 4 : 0}` };
    const nodeType = step.isSequence ? 'task_sequence' : step.tools[0].kind;
    this.host.emit(exec, {
      ...issued,
      event_type: 'command.issued',
      node_type: nodeType,
      status: 'PENDING',
      meta: { command_id: commandId },
    });
    for (let dispatch = 1; ; dispatch++) {
      const release = await this.slots.take();
      // A command still waiting for a worker when its execution is cancelled is never claimed, except on an
      // engine that claims it all the same (Rust: semantics.commandsRunAfterEnd).
      if (exec.cancelRequested && !this.t.semantics.commandsRunAfterEnd) {
        release();
        return CANCELLED;
      }
      try {
        for (const ev of shapes.dispatched(node))
          this.host.emit(exec, { ...base, ...ev, meta: { command_id: commandId, dispatch } });
        const started = performance.now();
        const out = await this.runTools(exec, step, { ...ctx }, commandId, !iteration);
        if (out === CANCELLED) return CANCELLED;
        const value = await this.emitCallDone(exec, step, node, out, commandId, base);
        if (!out.ok) exec.errored.add(step.step);
        const seconds = (performance.now() - started) / 1000;
        for (const ev of shapes.completed(node, out.ok))
          this.host.emit(exec, { ...base, ...ev, duration: seconds, result: value, meta: { command_id: commandId } });
        return iteration ? { ...out, commandId } : out.last;
      } catch (err) {
        // A lost worker's command is delivered again (NATS redelivers an un-acked message; a Rust lease
        // expires): the next worker claims and starts it anew. Nothing else is written.
        if (err instanceof PythonWorkerLost && dispatch < MAX_DISPATCH && !exec.cancelRequested) continue;
        const error = { status: 'FAILED', context: { error: (err as Error).message } };
        for (const ev of shapes.failed(node))
          this.host.emit(exec, { ...base, ...ev, result: error, meta: { command_id: commandId } });
        throw err;
      } finally {
        release();
      }
    }
  }

  /**
   * The tools in order, each seeing the results before it by name. A tool result with an error (an HTTP
   * status the tool does not accept after its retries, a python exception) ends a Rust task sequence as a
   * completed command whose result has status "error" (noetl/worker src/executor/command.rs 1005-1033,
   * noetl/tools src/tools/task_sequence.rs: the sequence stops at the failing task); on Python, and for a tool
   * that could not run at all on either (transport, database, template), it fails the command.
   */
  private async runTools(exec: Execution, step: Step, local: Ctx, commandId: string, cancellable: boolean) {
    const sizes: number[] = [];
    let last: unknown;
    for (let i = 0; i < step.tools.length; i++) {
      if (exec.cancelRequested && cancellable && !this.t.semantics.commandsRunAfterEnd) return CANCELLED;
      const tool = step.tools[i];
      try {
        last = await this.runTool(exec, step, tool, local, commandId);
      } catch (err) {
        const asResult = this.t.semantics.errorResult(err, tool.name ?? tool.kind);
        if (!asResult) throw err;
        return { final: asResult, last: asResult, sizes, ok: false, tool };
      }
      if (this.t.measureResults) sizes.push(jsonBytes(last ?? null).length);
      if (tool.name) local[tool.name] = last;
    }
    return { final: last, last, sizes, ok: true, tool: step.tools[step.tools.length - 1] };
  }

  private runPythonTool(tool: ToolSpec, ctx: Ctx): Promise<unknown> {
    const n = ++this.pythonCalls;
    const p = runPython(this.t.python, tool, ctx, this.t.semantics);
    if (this.t.crashWorkerAfterCalls > 0 && n === this.t.crashWorkerAfterCalls && !this.crashed) {
      this.crashed = true;
      const pid = this.t.python.crashOne();
      this.host.log('error', `fault profile worker-crash (emulation): killed python worker ${pid} during call ${n}`);
    }
    return p;
  }

  private async runTool(exec: Execution, step: Step, tool: ToolSpec, ctx: Ctx, commandId: string): Promise<unknown> {
    switch (tool.kind) {
      case 'python':
        return this.runPythonTool(tool, ctx);
      case 'http':
        return STAGES.time('http call', () =>
          this.t.http.run(tool, ctx, this.t.semantics, (r) => {
            // Retries are only logged, in the engine's own words (noetl-contract §7.2, §7.4): no event.
            const task = tool.name ?? 'http';
            const sem = this.t.semantics;
            if (r.exhausted) this.host.log('error', sem.exhaustedLogLine(task, r.maxAttempts));
            else
              for (const line of sem.retryLogLines(task, r.attempt, r.maxAttempts, r.delayMs, r.error))
                this.host.log('info', line);
          }),
        );
      case 'postgres':
        return STAGES.time('postgres tool', () =>
          runPostgres(
            this.t.dataPool(tool.auth === undefined ? DEFAULT_AUTH : String(renderValue(tool.auth, ctx))),
            tool,
            ctx,
            this.t.semantics,
          ),
        );
      case 'playbook':
        return this.runChild(exec, tool, ctx);
    }
  }

  private async runChild(exec: Execution, tool: ToolSpec, ctx: Ctx): Promise<unknown> {
    const path = tool.path === undefined ? undefined : String(renderValue(tool.path, ctx));
    const catalogId = tool.catalog_id === undefined ? undefined : BigInt(String(renderValue(tool.catalog_id, ctx)));
    const entry = this.host.resolve({ path, catalogId });
    const input = (renderValue(tool.input ?? {}, ctx) as Record<string, unknown>) ?? {};
    const child = this.host.execute(entry, input, exec.id);
    const status = () => ({ status: child.state, execution_id: child.id.toString(), path: entry.path });
    if (tool.return_step === undefined && !tool.return_result) return { ...status(), async: true };
    const timeoutMs = Number(tool.timeout ?? 300) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.t.childStatusBlind ? new Promise<boolean>(() => {}) : child.finished.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && this.t.childStatusBlind) {
      // As noetl 2.8.4's playbook tool: a warning, then its child's start as the result, and the step goes
      // on (2.8.4 wheel noetl/worker/v2_worker_nats.py 2189-2197; seen there with --child-timeout 75s).
      this.host.log('warn', `Sub-playbook ${child.id} timed out after ${timeoutMs / 1000}s`);
      return { status: 'started', execution_id: child.id.toString(), path: entry.path, async: false };
    }
    if (timedOut)
      throw new ToolError(`child execution ${child.id} (${entry.path}) did not finish within ${timeoutMs / 1000} s`);
    if (child.state !== 'COMPLETED' && !child.silentEnd)
      throw new ToolError(
        `child execution ${child.id} (${entry.path}) ended ${child.state}${child.error ? `: ${child.error}` : ''}`,
      );
    return tool.return_result
      ? child.results
      : { ...status(), current_step: child.currentStep, result: child.results[String(tool.return_step)] ?? null };
  }

  /**
   * Writes the command's one call.done (both engines write one per command, not per task); a result over
   * the context budget is stored in noetl.result_store by reference. Returns the result body the
   * completion events repeat (Python's step.exit and command.completed carry the tool's object).
   */
  private async emitCallDone(
    exec: Execution,
    step: Step,
    node: string,
    out: { last: unknown; ok: boolean; tool: ToolSpec; sizes: number[] },
    commandId: string,
    base: object,
  ): Promise<unknown> {
    const t0 = performance.now();
    // Encoded once for its length, its hash and the row; a large one's members are reused by the next
    // python call that takes them as input (json-bytes.ts).
    const encoded = jsonBytes(out.last ?? null);
    const bytes = encoded.length;
    STAGES.add('result JSON encoding', performance.now() - t0);
    const callIndex = step.tools.indexOf(out.tool);
    let inner: Record<string, unknown>;
    if (bytes > this.t.resultContextMaxBytes) {
      const ref = `noetl://execution/${exec.id}/result/${step.step}/${commandId}-${callIndex}`;
      inner = await storeByReference(this.t.pool, {
        ref,
        executionId: exec.id,
        step: step.step,
        value: out.last,
        encoded,
      });
    } else {
      const status = out.ok ? 'success' : 'error';
      inner = { status, context: { status, data: out.last ?? null } };
    }
    const result = this.t.semantics.callDoneResult({
      commandId,
      callIndex,
      tool: out.tool.name ?? null,
      inner,
      value: out.last,
    });
    this.host.emit(exec, {
      ...base,
      event_type: 'call.done',
      node_id: node,
      node_name: node,
      node_type: out.tool.kind,
      status: 'COMPLETED',
      result,
      meta: { command_id: commandId, tool: out.tool.name ?? null, bytes },
    });
    return this.t.semantics.completionResult(result, commandId, out.ok);
  }
}
