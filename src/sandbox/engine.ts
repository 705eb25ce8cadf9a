// The sandbox engine: executes catalog playbooks for real and writes the event log in the chosen server dialect
// (noetl-contract §2.2). Steps run in order along their arcs; a loop step dispatches one command per element,
// at most max_in_flight at a time (loop-runner.ts); each command runs the step's tool or task sequence (commands.ts).
import type pg from 'pg';
import type { Dialect } from '../model.js';
import { Catalog } from './catalog.js';
import { dialectApi } from './dialect.js';
import { CommandRunner, type EmitRow } from './commands.js';
import type { Credentials } from './credentials.js';
import type { Arc, Step } from './dsl.js';
import type { EventLog } from './event-log.js';
import { CANCELLED, Execution, HALTED, type CatalogEntry } from './execution.js';
import type { LoopStateLimits } from './loop-state.js';
import { LoopRun, loopItems, withMaxInFlight } from './loop-runner.js';
import { SEMANTICS } from './semantics.js';
import { EVENT_SHAPES } from './event-shapes.js';
import type { PythonPool } from './python-pool.js';
import { renderString, renderValue, truthy } from './templates.js';
import { takenArcs, untaken } from './router.js';
import { HttpTool, ToolError, type Ctx } from './tools.js';

export { NotFoundError } from './catalog.js';
export { Execution, type CatalogEntry, type ExecState } from './execution.js';

export interface EngineOptions {
  dialect: Dialect;
  /** The NoETL system database (events, catalog, result store). */
  pool: pg.Pool;
  /** Postgres tools connect through their `auth:` credential. */
  credentials: Credentials;
  events: EventLog;
  python: PythonPool;
  http: HttpTool;
  resultContextMaxBytes: number;
  loopState?: LoopStateLimits;
  /** Fault: SIGKILL a python worker after this many python calls (0 = never). */
  crashWorkerAfterCalls?: number;
  /** Fault loop-stops-after-first-window: a loop over kind: playbook issues nothing after its first window. */
  loopStopsAfterFirstWindow?: boolean;
  /** NOETL_EXECUTION_FAIL_ON_STEP_ERROR (Rust worker#322, off by default): a tool error fails the command. */
  failOnStepError?: boolean;
  /** Fault child-status-blind: a playbook tool returns only at its timeout, whenever its child ended. */
  childStatusBlind?: boolean;
  /** Fault status-flap: after the first step, the status shows a terminal state for this long (0 = never). */
  statusFlapMs?: number;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export class Engine {
  readonly executions = new Map<bigint, Execution>();
  private readonly catalog: Catalog;
  private readonly commands: CommandRunner;
  stalledLoops = 0;

  constructor(private readonly o: EngineOptions) {
    this.catalog = new Catalog(dialectApi(o.dialect), o.pool, () => o.events.newId());
    const host = {
      emit: (e: Execution, r: EmitRow) => this.emit(e, r),
      newId: () => o.events.newId(),
      resolve: (ref: { path?: string; catalogId?: bigint }) => this.resolve(ref),
      execute: (en: CatalogEntry, p: Record<string, unknown>, parent: bigint | null) => this.execute(en, p, parent),
      log: o.log,
    };
    this.commands = new CommandRunner(host, {
      pool: o.pool,
      dataPool: (auth) => o.credentials.pool(auth),
      python: o.python,
      http: o.http,
      semantics: o.failOnStepError ? SEMANTICS[o.dialect].withFailOnStepError() : SEMANTICS[o.dialect],
      resultContextMaxBytes: o.resultContextMaxBytes,
      crashWorkerAfterCalls: o.crashWorkerAfterCalls ?? 0,
      measureResults: o.loopState !== undefined,
      childStatusBlind: o.childStatusBlind,
    });
  }

  get dialect(): Dialect {
    return this.o.dialect;
  }

  get credentials(): Credentials {
    return this.o.credentials;
  }

  register(content: string): Promise<CatalogEntry> {
    return this.catalog.register(content);
  }

  listCatalog(): CatalogEntry[] {
    return this.catalog.list();
  }

  resolve(ref: { path?: string; catalogId?: bigint; version?: number }): CatalogEntry {
    return this.catalog.resolve(ref);
  }

  execute(entry: CatalogEntry, payload: Record<string, unknown>, parentExecutionId: bigint | null): Execution {
    const id = this.o.events.newId();
    if (!entry.playbook) throw new ToolError(`playbook ${entry.path} cannot run: ${entry.compileError}`);
    const workload = { ...entry.playbook.workload, ...payload };
    const exec = new Execution(id, entry, workload, parentExecutionId);
    this.executions.set(id, exec);
    if (parentExecutionId !== null) this.executions.get(parentExecutionId)?.children.push(exec);
    const start = { catalog_id: entry.catalogId.toString(), execution_id: id.toString(), path: entry.path, workload };
    EVENT_SHAPES[this.o.dialect].started(entry.path).forEach((ev, i) =>
      this.emit(exec, {
        ...ev,
        ...(i === 0 ? { context: EVENT_SHAPES[this.o.dialect].startContext(start) } : {}),
      }),
    );
    void this.run(exec).catch((err) => this.failExecution(exec, `engine error: ${(err as Error).message}`));
    return exec;
  }

  cancel(exec: Execution, cascade: boolean): Execution[] {
    const done: Execution[] = [];
    const walk = (e: Execution) => {
      if (e.terminal) return;
      e.cancelRequested = true;
      e.finish('CANCELLED');
      this.emit(e, EVENT_SHAPES[this.o.dialect].cancelled(e.entry.path));
      done.push(e);
      if (cascade) e.children.forEach(walk);
    };
    walk(exec);
    return done;
  }

  /** POST .../finalize (server src/services/execution.rs finalize): a terminal row on node playbook. */
  finalize(exec: Execution, status: 'COMPLETED' | 'FAILED', error: string | null): void {
    exec.finish(status, error ?? undefined, true);
    this.emit(exec, {
      event_type: status === 'COMPLETED' ? 'playbook_completed' : 'playbook_failed',
      node_id: 'playbook',
      node_name: 'playbook',
      status,
      error,
    });
  }

  /** Fault: the next python call's worker is killed with the call in flight. */
  crashWorker(): void {
    this.o.python.crashNext();
  }

  private emit(exec: Execution, row: EmitRow) {
    if (this.o.events.holding) exec.unwrittenUntil = this.o.events.holdUntil;
    return this.o.events.emit({
      execution_id: exec.id,
      catalog_id: exec.entry.catalogId,
      parent_execution_id: exec.parentExecutionId,
      ...row,
    });
  }

  /** The template namespace: the dialect's, plus the ctx scope as `ctx.x` and as bare `x` (orchestrator.rs). */
  private baseCtx(exec: Execution): Ctx {
    const id = exec.id.toString();
    return { ...SEMANTICS[this.o.dialect].baseCtx(id, exec.workload, exec.results), ...exec.ctx, ctx: exec.ctx };
  }

  /** Applies a `set` block to the ctx scope; a step's writes are announced with ctx.updated where the engine does. */
  private applySet(exec: Execution, set: Record<string, unknown> | undefined, ctx: Ctx, step?: string): void {
    if (!set) return;
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(set)) values[key.slice('ctx.'.length)] = renderValue(value, ctx);
    Object.assign(exec.ctx, values);
    const ev = step ? EVENT_SHAPES[this.o.dialect].ctxUpdated(step, values) : null;
    if (ev) this.emit(exec, ev);
  }

  /** Runs one step; returns its result, or undefined when the execution must not move on. */
  private async runStep(exec: Execution, step: Step): Promise<{ value: unknown } | undefined> {
    exec.currentStep = step.step;
    exec.entered.add(step.step);
    exec.running.add(step.step);
    if (EVENT_SHAPES[this.o.dialect].stepEnterPerStep)
      this.emit(exec, {
        event_type: 'step.enter',
        node_id: step.step,
        node_name: step.step,
        node_type: step.loop ? 'loop' : 'step',
        status: 'ENTERED',
      });
    let result: unknown;
    try {
      result = step.loop
        ? await this.runLoop(exec, step)
        : await this.commands.run(exec, step, this.baseCtx(exec), null);
    } catch (err) {
      exec.failStep(step.step);
      const msg = (err as Error).message;
      // Rust ends the run FAILED on command.failed (orchestrate-core, upstream-oracles O6); the Python
      // engine goes on along the arcs and ends FAILED (noetl 4.26.0, seen here).
      if (SEMANTICS[this.o.dialect].failedCommandEndsRun) {
        this.failExecution(exec, `step ${step.step} failed: ${msg}`);
        return undefined;
      }
      exec.error ??= `step ${step.step} failed: ${msg}`;
      return { value: undefined };
    }
    if (result === CANCELLED || result === HALTED || exec.cancelRequested) return undefined;
    exec.running.delete(step.step);
    exec.completed.add(step.step);
    exec.results[step.step] = result;
    return { value: result };
  }

  private async run(exec: Execution): Promise<void> {
    const pb = exec.entry.playbook!;
    const shapes = EVENT_SHAPES[this.o.dialect];
    // The steps to run, in turn: an inclusive router queues every arc that holds (a step queued once).
    const queue: Step[] = [pb.steps.find((s) => s.step === 'start') ?? pb.steps[0]];
    let last: Step | undefined;
    for (let current = queue.shift(); current && !exec.cancelRequested; current = queue.shift()) {
      last = current;
      let next: Arc[];
      try {
        const skipped = current.when !== undefined && !truthy(renderString(current.when, this.baseCtx(exec)));
        if (skipped) this.skip(exec, current.step);
        else if (!(await this.runStep(exec, current))) return;
        else this.applySet(exec, current.set, this.baseCtx(exec), current.step);
        if (!skipped && this.o.statusFlapMs && exec.entered.size === 1) {
          // every entered step completed and nothing pending: the moment Rust's heuristics call COMPLETED
          await exec.flap(this.o.statusFlapMs);
        }
        next = this.route(exec, current, skipped);
      } catch (err) {
        this.failExecution(exec, `step ${current.step}: condition failed: ${(err as Error).message}`);
        return;
      }
      if (!next.length && current.arcs.length && shapes.noArcMatchedWaits) return; // Rust waits (event-shapes.ts)
      for (const s of next.map((a) => pb.byName.get(a.step)!)) if (!queue.includes(s)) queue.push(s);
    }
    if (exec.cancelRequested || exec.terminal) return;
    await this.o.events.drainExecution(exec.id);
    if (shapes.sequenceEndIsSilent && last?.isSequence && exec.completed.has(last.step)) return exec.endSilently();
    if (exec.failed.size) return this.failExecution(exec, exec.error ?? 'a step failed');
    exec.finish('COMPLETED');
    for (const ev of shapes.terminal('COMPLETED', exec.entry.path))
      this.emit(exec, { ...ev, result: { status: 'COMPLETED' } });
  }

  private skip(exec: Execution, step: string): void {
    const ev = EVENT_SHAPES[this.o.dialect].stepSkipped(step);
    if (ev) this.emit(exec, ev);
  }

  /** The arcs taken (router.ts); the untaken arcs' unrun targets are skipped (not a skipped step's). */
  private route(exec: Execution, step: Step, skipped: boolean): Arc[] {
    const ctx: Ctx = { ...this.baseCtx(exec), event: { name: step.loop ? 'loop.done' : 'step.exit' } };
    const taken = takenArcs(step, ctx);
    for (const a of taken) this.applySet(exec, a.set, ctx);
    if (!skipped) for (const s of untaken(step, taken, exec.entered)) this.skip(exec, s);
    return taken;
  }

  private failExecution(exec: Execution, error: string): void {
    if (exec.terminal) return;
    this.o.log('error', `execution ${exec.id} (${exec.entry.path}) failed: ${error}`);
    exec.finish('FAILED', error);
    for (const ev of EVENT_SHAPES[this.o.dialect].terminal('FAILED', exec.entry.path))
      this.emit(exec, { ...ev, result: { status: 'FAILED', context: { error } } });
  }

  private async runLoop(exec: Execution, templated: Step): Promise<unknown> {
    const step = withMaxInFlight(templated, this.baseCtx(exec));
    const host = {
      emit: (e: Execution, r: EmitRow) => this.emit(e, r),
      log: this.o.log,
      runCommand: (e: Execution, s: Step, c: Ctx, it: { index: number; item: unknown }) =>
        this.commands.run(e, s, c, it),
      onStalled: () => this.stalledLoops++,
      // Rust: the run ends FAILED once no step runs, the loop's other commands running on (execution.ts failStep).
      onIterationFailed: SEMANTICS[this.o.dialect].failedCommandEndsRun
        ? () => exec.failStep(step.step) && this.failExecution(exec, `Failed steps: ${[...exec.failed].join(', ')}`)
        : undefined,
      inFlight: (n: number) => SEMANTICS[this.o.dialect].inFlight(n, step.loop!.mode),
      // e3ec10a0..dfca19ed: only a task sequence's call.done advanced the loop; a playbook tool's did not.
      stopsAfterFirstWindow:
        Boolean(this.o.loopStopsAfterFirstWindow) && step.tools.every((t) => t.kind === 'playbook'),
    };
    const items = loopItems(exec, step, this.baseCtx(exec), EVENT_SHAPES[this.o.dialect], host);
    if (items === HALTED) return HALTED;
    const out = await new LoopRun(host, exec, step, items, this.baseCtx(exec), this.o.loopState).run();
    const done = EVENT_SHAPES[this.o.dialect].loopDone(step.step);
    if (out !== CANCELLED && done) this.emit(exec, { ...done, meta: { stats: out.stats } });
    if (out === CANCELLED) return out;
    if (out.stats.failed > 0) {
      // A failed command (not a result with an error) fails a Rust run; Python goes on and ends FAILED.
      const msg = `loop ${step.step}: ${out.stats.failed} of ${out.stats.total} iteration(s) failed`;
      if (SEMANTICS[this.o.dialect].failedCommandEndsRun) throw new ToolError(msg);
      exec.failed.add(step.step);
      exec.error ??= msg;
    }
    return SEMANTICS[this.o.dialect].loopResult(out.results, out.stats, out.arrivals, out.last);
  }
}
