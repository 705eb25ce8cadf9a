// The sandbox engine: executes catalog playbooks for real and writes the event log in the chosen server
// dialect (noetl-contract §2.2). Steps run in order along their arcs; a loop step dispatches one command
// per element with at most max_in_flight at a time; each command runs the step's tool or task sequence.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Dialect } from '../model.js';
import { compilePlaybook, parseYaml, catalogPath, type Arc, type Playbook, type Step, type ToolSpec } from './dsl.js';
import type { EventLog, EventRow } from './event-log.js';
import { LoopState, type LoopStateLimits } from './loop-state.js';
import { PythonWorkerLost, type PythonPool } from './python-pool.js';
import { renderString, renderValue, truthy } from './templates.js';
import { HttpTool, ToolError, runPostgres, runPython, type Ctx } from './tools.js';

export type ExecState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface EngineOptions {
  dialect: Dialect;
  pool: pg.Pool;
  events: EventLog;
  python: PythonPool;
  http: HttpTool;
  resultContextMaxBytes: number;
  loopState?: LoopStateLimits;
  /** Fault: SIGKILL a python worker after this many python calls (0 = never). */
  crashWorkerAfterCalls?: number;
  log: (level: 'info' | 'error', msg: string) => void;
}

export interface CatalogEntry {
  catalogId: bigint;
  path: string;
  version: number;
  kind: string;
  content: string;
  playbook: Playbook;
  createdAt: Date;
}

export class NotFoundError extends Error {}

export class Execution {
  state: ExecState = 'RUNNING';
  currentStep: string | null = null;
  readonly entered = new Set<string>();
  readonly completed = new Set<string>();
  readonly running = new Set<string>();
  readonly failed = new Set<string>();
  readonly results: Record<string, unknown> = {};
  readonly startedAt = new Date();
  completedAt: Date | null = null;
  error: string | null = null;
  cancelRequested = false;
  readonly children: Execution[] = [];
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(
    readonly id: bigint,
    readonly entry: CatalogEntry,
    readonly workload: Record<string, unknown>,
    readonly parentExecutionId: bigint | null,
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  get terminal(): boolean {
    return this.state !== 'RUNNING';
  }

  finish(state: ExecState, error?: string): void {
    if (this.terminal) return;
    this.state = state;
    this.error = error ?? null;
    this.completedAt = new Date();
    this.resolveFinished();
  }
}

const LOOP_STALLED = Symbol('loop-stalled');
const CANCELLED = Symbol('cancelled');

export class Engine {
  readonly executions = new Map<bigint, Execution>();
  private readonly catalog = new Map<string, CatalogEntry>(); // latest version per path
  private readonly catalogById = new Map<bigint, CatalogEntry>();
  private pythonCalls = 0;
  private crashed = false;
  stalledLoops = 0;

  constructor(private readonly o: EngineOptions) {}

  get dialect(): Dialect {
    return this.o.dialect;
  }

  // ---- catalog -------------------------------------------------------------------------------------

  async register(content: string): Promise<CatalogEntry> {
    const doc = parseYaml(content);
    const path = catalogPath(doc);
    const playbook = compilePlaybook(doc);
    const prev = this.catalog.get(path);
    const entry: CatalogEntry = {
      catalogId: this.o.events.newId(),
      path,
      version: (prev?.version ?? 0) + 1,
      kind: this.o.dialect === 'rust' ? 'playbook' : 'Playbook',
      content,
      playbook,
      createdAt: new Date(),
    };
    await this.o.pool.query(
      'INSERT INTO noetl.catalog (catalog_id, path, version, kind, content, meta) VALUES ($1,$2,$3,$4,$5,$6)',
      [entry.catalogId.toString(), path, entry.version, entry.kind, content, JSON.stringify({ description: playbook.description ?? null })],
    );
    this.catalog.set(path, entry);
    this.catalogById.set(entry.catalogId, entry);
    return entry;
  }

  listCatalog(): CatalogEntry[] {
    return [...this.catalogById.values()].sort((a, b) => (a.path === b.path ? a.version - b.version : a.path < b.path ? -1 : 1));
  }

  resolve(ref: { path?: string; catalogId?: bigint; version?: number }): CatalogEntry {
    if (ref.catalogId !== undefined) {
      const e = this.catalogById.get(ref.catalogId);
      if (!e) throw new NotFoundError(`Catalog entry not found: ${ref.catalogId}`);
      return e;
    }
    const latest = ref.path ? this.catalog.get(ref.path) : undefined;
    if (!latest) throw new NotFoundError(`Playbook not found: ${ref.path}`);
    if (ref.version !== undefined && this.o.dialect === 'python') {
      const v = [...this.catalogById.values()].find((e) => e.path === ref.path && e.version === ref.version);
      if (!v) throw new NotFoundError(`Executable catalog entry not found: ${ref.path} version ${ref.version}`);
      return v;
    }
    return latest;
  }

  // ---- executions ----------------------------------------------------------------------------------

  execute(entry: CatalogEntry, payload: Record<string, unknown>, parentExecutionId: bigint | null): Execution {
    const id = this.o.events.newId();
    const workload = { ...entry.playbook.workload, ...payload };
    const exec = new Execution(id, entry, workload, parentExecutionId);
    this.executions.set(id, exec);
    if (parentExecutionId !== null) this.executions.get(parentExecutionId)?.children.push(exec);
    const startType = this.o.dialect === 'rust' ? 'playbook_started' : 'playbook.initialized';
    this.emit(exec, {
      event_type: startType,
      node_id: 'playbook',
      node_name: entry.path,
      node_type: 'execution',
      status: 'STARTED',
      context: { catalog_id: entry.catalogId.toString(), execution_id: id.toString(), path: entry.path, workload },
    });
    void this.run(exec).catch((err) => this.failExecution(exec, `engine error: ${(err as Error).message}`));
    return exec;
  }

  cancel(exec: Execution, cascade: boolean): Execution[] {
    const done: Execution[] = [];
    const walk = (e: Execution) => {
      if (e.terminal) return;
      e.cancelRequested = true;
      e.finish('CANCELLED');
      this.emit(e, {
        event_type: this.o.dialect === 'rust' ? 'playbook_cancelled' : 'execution.cancelled',
        node_name: e.entry.path,
        node_type: 'execution',
        status: 'CANCELLED',
      });
      done.push(e);
      if (cascade) e.children.forEach(walk);
    };
    walk(exec);
    return done;
  }

  /** Fault: the next python call's worker is killed with the call in flight. */
  crashWorker(): void {
    this.o.python.crashNext();
  }

  private emit(exec: Execution, row: Omit<EventRow, 'execution_id' | 'catalog_id'>) {
    return this.o.events.emit({
      execution_id: exec.id,
      catalog_id: exec.entry.catalogId,
      parent_execution_id: exec.parentExecutionId,
      ...row,
    });
  }

  private baseCtx(exec: Execution): Ctx {
    const id = exec.id.toString();
    return { ...exec.workload, workload: exec.workload, ...exec.results, execution_id: id, job: { execution_id: id } };
  }

  private async run(exec: Execution): Promise<void> {
    const pb = exec.entry.playbook;
    let step: Step | undefined = pb.steps.find((s) => s.step === 'start') ?? pb.steps[0];
    while (step && !exec.cancelRequested) {
      exec.currentStep = step.step;
      exec.entered.add(step.step);
      exec.running.add(step.step);
      this.emit(exec, { event_type: 'step.enter', node_id: step.step, node_name: step.step, node_type: step.loop ? 'loop' : 'step', status: 'ENTERED' });
      let result: unknown;
      try {
        result = step.loop ? await this.runLoop(exec, step) : await this.runCommand(exec, step, this.baseCtx(exec), null);
      } catch (err) {
        exec.running.delete(step.step);
        exec.failed.add(step.step);
        const msg = (err as Error).message;
        if (this.o.dialect === 'rust') {
          this.emit(exec, { event_type: 'step_failed', node_name: step.step, status: 'FAILED', result: { status: 'FAILED', context: { error: msg } } });
        }
        this.failExecution(exec, `step ${step.step} failed: ${msg}`);
        return;
      }
      if (result === LOOP_STALLED) return; // emulated stall: the execution never moves on
      if (result === CANCELLED || exec.cancelRequested) return;
      exec.running.delete(step.step);
      exec.completed.add(step.step);
      exec.results[step.step] = result;
      if (this.o.dialect === 'python') {
        this.emit(exec, { event_type: 'step.exit', node_name: step.step, status: 'COMPLETED', result: this.resultBody('COMPLETED', result) });
      }
      const event = { name: step.loop ? 'loop.done' : 'step.exit' };
      const ctx: Ctx = { ...this.baseCtx(exec), event };
      let next: Step | undefined;
      try {
        const arc: Arc | undefined = step.arcs.find((a) => a.when === undefined || truthy(renderString(a.when, ctx)));
        next = arc ? pb.byName.get(arc.step) : undefined;
      } catch (err) {
        this.failExecution(exec, `step ${step.step}: arc condition failed: ${(err as Error).message}`);
        return;
      }
      step = next;
    }
    if (exec.cancelRequested) return;
    await this.o.events.drain();
    exec.finish('COMPLETED');
    this.emit(exec, { event_type: 'playbook.completed', node_name: exec.entry.path, node_type: 'execution', status: 'COMPLETED', result: this.resultBody('COMPLETED', exec.results.summarize ?? exec.results.end ?? null) });
  }

  private failExecution(exec: Execution, error: string): void {
    if (exec.terminal) return;
    this.o.log('error', `execution ${exec.id} (${exec.entry.path}) failed: ${error}`);
    exec.finish('FAILED', error);
    this.emit(exec, { event_type: 'playbook.failed', node_name: exec.entry.path, node_type: 'execution', status: 'FAILED', result: { status: 'FAILED', context: { error } } });
  }

  private resultBody(status: string, value: unknown) {
    return value === undefined || value === null ? { status } : { status, context: { data: value } };
  }

  // ---- loops ---------------------------------------------------------------------------------------

  private async runLoop(exec: Execution, step: Step): Promise<unknown> {
    const loop = step.loop!;
    const rendered = renderValue(loop.in, this.baseCtx(exec));
    if (!Array.isArray(rendered)) {
      throw new ToolError(`loop.in of step ${step.step} rendered to ${typeof rendered}, not a list`);
    }
    const items = rendered;
    const state = this.o.loopState ? new LoopState(this.o.loopState) : undefined;
    const results: unknown[] = new Array(items.length);
    const stats = { total: items.length, success: 0, failed: 0 };
    let nextIndex = 0;
    let active = 0;
    let stalledAnnounced = false;
    let rejectLogged = false;

    return new Promise((resolve) => {
      const settle = () => {
        if (exec.cancelRequested) return resolve(CANCELLED);
        if (state?.rejected) {
          if (active === 0 && !stalledAnnounced) {
            stalledAnnounced = true;
            this.stalledLoops++;
            this.o.log('error', `loop ${step.step} of execution ${exec.id} records no more completions and dispatches nothing (emulated legacy loop state over its cap); the execution will not reach loop.done`);
            resolve(LOOP_STALLED);
          }
          return;
        }
        while (active < loop.maxInFlight && nextIndex < items.length && !exec.cancelRequested) dispatch(nextIndex++);
        if (active === 0 && nextIndex >= items.length) {
          stats.total = items.length;
          resolve({ results, stats });
        }
      };
      const dispatch = (index: number) => {
        active++;
        const ctx: Ctx = { ...this.baseCtx(exec), iter: { [loop.iterator]: items[index] }, [loop.iterator]: items[index] };
        this.runCommand(exec, step, ctx, { index, item: items[index] })
          .then((r) => {
            const value = r as { final: unknown; sizes: number[] };
            if (state) {
              const accepted = state.append(value.sizes);
              if (!accepted && !rejectLogged) {
                rejectLogged = true;
                this.o.log('error', `loop ${step.step}: state write of ${state.bytes + state.entryBytes(value.sizes)} bytes rejected (cap ${state.limits.capBytes}, emulated NATS KV max_payload)`);
              }
              this.emit(exec, {
                event_type: accepted ? 'loop.state.updated' : 'loop.state.rejected', node_name: step.step, node_type: 'loop', status: accepted ? 'UPDATED' : 'REJECTED', current_index: index,
                meta: { loop_state: { bytes: state.bytes, cap: state.limits.capBytes, recorded: state.recorded, emulation: 'legacy-loop-state' } },
              });
              if (!accepted) return;
            }
            results[index] = value.final;
            stats.success++;
          })
          .catch((err) => {
            if (state?.rejected) return;
            results[index] = { status: 'error', error: (err as Error).message };
            stats.failed++;
          })
          .finally(() => {
            active--;
            settle();
          });
      };
      settle();
    }).then((out) => {
      if (out === LOOP_STALLED || out === CANCELLED) return out;
      if (this.o.dialect === 'python') {
        this.emit(exec, { event_type: 'loop.done', node_name: step.step, node_type: 'loop', status: 'COMPLETED', meta: { stats } });
      }
      return out;
    });
  }

  // ---- commands ------------------------------------------------------------------------------------

  /**
   * Runs the step's tool (or task sequence) as one command. Outside a loop it returns the step result;
   * inside a loop it returns the final tool result and each tool result's JSON size.
   */
  private async runCommand(exec: Execution, step: Step, ctx: Ctx, iteration: { index: number; item: unknown } | null): Promise<unknown> {
    const commandId = this.o.events.newId().toString();
    const iterCols = iteration ? { current_index: iteration.index, current_item: truncate(JSON.stringify(iteration.item ?? null), 500) } : {};
    const workerId = `sandbox-worker-${iteration ? iteration.index % 4 : 0}`;
    this.emit(exec, { event_type: 'command.issued', node_id: step.step, node_name: step.step, node_type: step.isSequence ? 'task_sequence' : step.tools[0].kind, status: 'PENDING', meta: { command_id: commandId }, ...iterCols });
    const maxDispatch = 3; // a lost worker's command is re-dispatched, as a lease expiry would
    for (let dispatch = 1; ; dispatch++) {
      this.emit(exec, { event_type: 'command.started', node_id: step.step, node_name: step.step, status: 'STARTED', worker_id: workerId, meta: { command_id: commandId, dispatch }, ...iterCols });
      const started = performance.now();
      try {
        const local: Ctx = { ...ctx };
        const sizes: number[] = [];
        let last: unknown;
        for (let i = 0; i < step.tools.length; i++) {
          if (exec.cancelRequested && !iteration) return CANCELLED;
          const tool = step.tools[i];
          const value = await this.runTool(exec, step, tool, local, commandId, i, iterCols);
          const size = await this.emitCallDone(exec, step, tool, value, commandId, i, iterCols);
          sizes.push(size);
          if (tool.name) local[tool.name] = value;
          last = value;
        }
        this.emit(exec, { event_type: 'command.completed', node_id: step.step, node_name: step.step, status: 'success', duration: (performance.now() - started) / 1000, worker_id: workerId, meta: { command_id: commandId }, ...iterCols });
        return iteration ? { final: last, sizes } : last;
      } catch (err) {
        const msg = (err as Error).message;
        const lost = err instanceof PythonWorkerLost;
        if (lost && dispatch < maxDispatch && !exec.cancelRequested) {
          this.emit(exec, { event_type: 'call.error', node_id: step.step, node_name: step.step, status: 'RETRYING', worker_id: workerId, result: { status: 'RETRYING', context: { error: msg } }, meta: { command_id: commandId, retry: true, reason: 'worker_lost', dispatch }, ...iterCols });
          continue;
        }
        this.emit(exec, { event_type: 'call.error', node_id: step.step, node_name: step.step, status: 'FAILED', worker_id: workerId, result: { status: 'FAILED', context: { error: msg } }, meta: { command_id: commandId }, ...iterCols });
        this.emit(exec, { event_type: 'command.failed', node_id: step.step, node_name: step.step, status: 'FAILED', worker_id: workerId, result: { status: 'FAILED', context: { error: msg } }, meta: { command_id: commandId }, ...iterCols });
        throw err;
      }
    }
  }

  private async runTool(exec: Execution, step: Step, tool: ToolSpec, ctx: Ctx, commandId: string, callIndex: number, iterCols: object): Promise<unknown> {
    switch (tool.kind) {
      case 'python': {
        const n = ++this.pythonCalls;
        const crashAt = this.o.crashWorkerAfterCalls ?? 0;
        const p = runPython(this.o.python, tool, ctx);
        if (crashAt > 0 && n === crashAt && !this.crashed) {
          this.crashed = true;
          const pid = this.o.python.crashOne();
          this.o.log('error', `fault profile worker-crash (emulation): killed python worker ${pid} during call ${n}`);
        }
        return p;
      }
      case 'http':
        return this.o.http.run(tool, ctx, (r) => {
          this.emit(exec, {
            event_type: 'call.error', node_id: `${step.step}.${tool.name ?? 'http'}`, node_name: step.step, status: 'RETRYING',
            result: { status: 'RETRYING', context: { error: r.error } },
            meta: { command_id: commandId, call_index: callIndex, tool: tool.name ?? null, retry: true, attempt: r.attempt, max_attempts: r.maxAttempts, http_status: r.httpStatus, delay_ms: r.delayMs },
            ...iterCols,
          });
          this.o.log('info', `retry ${r.attempt}/${r.maxAttempts - 1} of ${step.step}.${tool.name ?? 'http'}: ${r.error}; next in ${r.delayMs} ms`);
        });
      case 'postgres':
        return runPostgres(this.o.pool, tool, ctx);
      case 'playbook':
        return this.runChild(exec, tool, ctx);
    }
  }

  private async runChild(exec: Execution, tool: ToolSpec, ctx: Ctx): Promise<unknown> {
    const path = tool.path === undefined ? undefined : String(renderValue(tool.path, ctx));
    const catalogId = tool.catalog_id === undefined ? undefined : BigInt(String(renderValue(tool.catalog_id, ctx)));
    const entry = this.resolve({ path, catalogId });
    const input = (renderValue(tool.input ?? {}, ctx) as Record<string, unknown>) ?? {};
    const child = this.execute(entry, input, exec.id);
    const status = () => ({ status: child.state, execution_id: child.id.toString(), path: entry.path });
    if (tool.return_step === undefined && !tool.return_result) return { ...status(), async: true };
    const timeoutMs = Number(tool.timeout ?? 300) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      child.finished.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) throw new ToolError(`child execution ${child.id} (${entry.path}) did not finish within ${timeoutMs / 1000} s`);
    if (child.state !== 'COMPLETED') throw new ToolError(`child execution ${child.id} (${entry.path}) ended ${child.state}${child.error ? `: ${child.error}` : ''}`);
    return tool.return_result ? child.results : { ...status(), current_step: child.currentStep, result: child.results[String(tool.return_step)] ?? null };
  }

  /** Writes call.done; a result over the context budget is stored in noetl.result_store by reference. */
  private async emitCallDone(exec: Execution, step: Step, tool: ToolSpec, value: unknown, commandId: string, callIndex: number, iterCols: object): Promise<number> {
    const text = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(text);
    let inner: Record<string, unknown>;
    if (bytes > this.o.resultContextMaxBytes) {
      const ref = `noetl://execution/${exec.id}/result/${step.step}/${commandId}-${callIndex}`;
      const sha256 = createHash('sha256').update(text).digest('hex');
      await this.o.pool.query('INSERT INTO noetl.result_store (ref, execution_id, step, data, bytes, sha256) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (ref) DO NOTHING', [ref, exec.id.toString(), step.step, text, bytes, sha256]);
      inner = { status: 'success', reference: { kind: 'result_ref', ref, store: 'postgres', scope: 'execution', meta: { bytes, sha256, media_type: 'application/json', content_type: 'application/json' }, extracted: extract(value) } };
    } else {
      inner = { status: 'success', context: { status: 'success', data: value ?? null } };
    }
    this.emit(exec, {
      event_type: 'call.done', node_id: tool.name ? `${step.step}.${tool.name}` : step.step, node_name: step.step, node_type: tool.kind, status: 'COMPLETED',
      result: { status: 'COMPLETED', context: { command_id: commandId, call_index: callIndex, tool: tool.name ?? null, result: inner } },
      meta: { command_id: commandId, tool: tool.name ?? null, bytes },
      ...iterCols,
    });
    return bytes;
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Small scalar fields kept beside a reference, like the worker's `extracted` block. */
function extract(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 200)) out[k] = v;
    }
  }
  return out;
}
