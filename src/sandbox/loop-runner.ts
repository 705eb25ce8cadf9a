// A loop step: one command per element with at most max_in_flight at a time (on Rust: all at once). With
// the legacy-loop-state fault, each completion is appended to an emulated loop state; once an append is
// refused (over the cap)
// the count freezes and the loop keeps re-issuing the item at the frozen index (noetl-contract §6.7): events
// keep flowing, no new item is stored, and the loop never completes (the historical stall) until cancelled.
import type { Step } from './dsl.js';
import type { EmitRow, Iteration } from './commands.js';
import { CANCELLED, HALTED, type Execution } from './execution.js';
import type { EventShapes } from './event-shapes.js';
import { LoopState, type LoopStateLimits } from './loop-state.js';
import type { Ctx } from './tools.js';
import { renderString, renderValue, TemplateFault } from './templates.js';
import { ToolError } from './tool-error.js';

export interface LoopHost {
  emit(exec: Execution, row: EmitRow): void;
  log(level: 'info' | 'warn' | 'error', msg: string): void;
  runCommand(exec: Execution, step: Step, ctx: Ctx, iteration: Iteration): Promise<unknown>;
  /** How many items are issued at once for a loop's max_in_flight (the engine's dispatch model). */
  inFlight(maxInFlight: number): number;
  /** Fault loop-stops-after-first-window: nothing is issued after the first max_in_flight items. */
  stopsAfterFirstWindow?: boolean;
  onStalled(): void;
  /** An iteration's command failed (Rust fails the step, and the run when nothing else runs, at once). */
  onIterationFailed?(err: Error): void;
}

/** Pause between re-issues of the frozen item (keeps the emulated churn from saturating the sandbox). */
const REISSUE_MS = 250;

export type LoopOutcome =
  | {
      results: unknown[];
      stats: { total: number; success: number; failed: number };
      /** Each completed command's envelope in the order they completed (what a Rust loop yields). */
      arrivals: unknown[];
      /** The result of the iteration that finished last, failed or not (what a Python 4.26.0 loop keeps). */
      last: unknown;
    }
  | typeof CANCELLED;

/** What a command of the loop returns (commands.ts). */
interface Completed {
  final: unknown;
  sizes: number[];
  ok?: boolean;
  commandId?: string;
}

export class LoopRun {
  private readonly state: LoopState | undefined;
  private readonly results: unknown[];
  private readonly arrivals: unknown[] = [];
  private last: unknown = undefined;
  private readonly stats: { total: number; success: number; failed: number };
  private next = 0;
  private active = 0;
  private stalledAnnounced = false;
  private rejectLogged = false;
  private reissueTimer: NodeJS.Timeout | undefined;
  private resolve!: (o: LoopOutcome) => void;

  constructor(
    private readonly host: LoopHost,
    private readonly exec: Execution,
    private readonly step: Step,
    private readonly items: unknown[],
    private readonly baseCtx: Ctx,
    limits: LoopStateLimits | undefined,
  ) {
    this.state = limits ? new LoopState(limits) : undefined;
    this.results = new Array(items.length);
    this.stats = { total: items.length, success: 0, failed: 0 };
  }

  run(): Promise<LoopOutcome> {
    return new Promise<LoopOutcome>((resolve) => {
      this.resolve = resolve;
      this.settle();
    });
  }

  private settle(): void {
    const { exec, step } = this;
    if (exec.cancelRequested) return this.resolve(CANCELLED);
    if (this.state?.rejected) return this.churn();
    const inFlight = this.host.inFlight(step.loop!.maxInFlight);
    // The defect of e3ec10a0 (noetl/noetl, 2026-02-24; fixed by dfca19ed, 02-27): once the first window's
    // commands completed nothing advanced the loop, so it stays open, silent, until cancelled.
    const cap = this.host.stopsAfterFirstWindow ? Math.min(inFlight, step.loop!.maxInFlight) : this.items.length;
    // A run that ended (Rust's failure at once) issues nothing more; what it issued runs on.
    while (
      this.active < inFlight &&
      this.next < Math.min(cap, this.items.length) &&
      !exec.cancelRequested &&
      !exec.terminal
    )
      this.dispatch(this.next++);
    if (this.active === 0 && (this.next >= this.items.length || exec.terminal))
      this.resolve({ results: this.results, stats: this.stats, arrivals: this.arrivals, last: this.last });
  }

  /**
   * The frozen loop: the next index comes from the recorded count, which no longer grows, so the item at
   * that index is issued again and again (one at a time, REISSUE_MS apart) until the execution is cancelled.
   */
  private churn(): void {
    const { exec, step } = this;
    if (!this.stalledAnnounced) {
      this.stalledAnnounced = true;
      this.host.onStalled();
      this.host.log(
        'error',
        `loop ${step.step} of execution ${exec.id}: count frozen at ${this.state!.recorded} (emulated legacy loop state over its cap); item ${this.state!.recorded} is re-issued, loop.done will not come`,
      );
    }
    if (this.active > 0 || this.reissueTimer) return;
    this.reissueTimer = setTimeout(() => {
      this.reissueTimer = undefined;
      if (exec.cancelRequested) return this.resolve(CANCELLED);
      this.dispatch(Math.min(this.state!.recorded, this.items.length - 1));
    }, REISSUE_MS);
  }

  private dispatch(index: number): void {
    this.active++;
    const it = this.step.loop!.iterator;
    const ctx: Ctx = { ...this.baseCtx, iter: { [it]: this.items[index] }, [it]: this.items[index] };
    this.host
      .runCommand(this.exec, this.step, ctx, { index, item: this.items[index] })
      .then((r) => this.completed(index, r as Completed))
      .catch((err) => {
        if (this.state?.rejected) return;
        this.results[index] = { status: 'error', error: (err as Error).message };
        this.last = this.results[index];
        this.stats.failed++;
        this.host.onIterationFailed?.(err as Error);
      })
      .finally(() => {
        this.active--;
        this.settle();
      });
  }

  private completed(index: number, value: Completed): void {
    if (this.state && !this.append(index, value.sizes)) return;
    this.results[index] = value.final;
    this.last = value.final;
    this.stats.success++;
    const status = value.ok === false ? 'error' : 'success';
    this.arrivals.push({ status, context: { command_id: value.commandId, status } });
  }

  /**
   * Appends a completion to the emulated loop state; false when the write was refused. The legacy engine
   * wrote no event for it: the KV put failed with NATS's max_payload error, which was only logged.
   */
  private append(_index: number, sizes: number[]): boolean {
    const state = this.state!;
    const accepted = state.append(sizes);
    if (!accepted && !this.rejectLogged) {
      this.rejectLogged = true;
      this.host.log(
        'error',
        `loop ${this.step.step}: loop state put of ${state.bytes + state.entryBytes(sizes)} bytes failed: nats: maximum payload exceeded (max_payload ${state.limits.capBytes}; emulated legacy loop state)`,
      );
    }
    return accepted;
  }
}

/** A loop whose max_in_flight is a template, rendered with the step's context; a step as it is otherwise. */
export function withMaxInFlight(step: Step, ctx: Ctx): Step {
  const t = step.loop?.maxInFlightTemplate;
  if (!t) return step;
  const n = Number(renderString(t, ctx));
  if (!Number.isInteger(n) || n < 1)
    throw new ToolError(
      `loop.spec.max_in_flight of step ${step.step} rendered to ${JSON.stringify(renderString(t, ctx))}`,
    );
  return { ...step, loop: { ...step.loop!, maxInFlight: n } };
}

/**
 * A loop's collection, rendered; HALTED where the engine's server fails on it with nothing after
 * (EVENT_SHAPES.serverRenderFailed, 4.26.0's batch.failed), written and logged as that engine does.
 */
export function loopItems(
  exec: Execution,
  step: Step,
  ctx: Ctx,
  shapes: Pick<EventShapes, 'serverRenderFailed'>,
  host: Pick<LoopHost, 'emit' | 'log'>,
): unknown[] | typeof HALTED {
  let items: unknown;
  try {
    items = renderValue(step.loop!.in, ctx);
  } catch (err) {
    const halt = err instanceof TemplateFault && shapes.serverRenderFailed(err.message);
    if (!halt) throw err;
    host.log('error', `[BATCH-EVENTS] Processing failed execution_id=${exec.id}: ${(err as Error).message}`);
    host.emit(exec, halt);
    return HALTED;
  }
  if (!Array.isArray(items))
    throw new ToolError(`loop.in of step ${step.step} rendered to ${typeof items}, not a list`);
  return items;
}
