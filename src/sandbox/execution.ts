// One execution of a catalog playbook inside the sandbox engine: its state, step bookkeeping (what the
// Rust status derives its progress from), results and children.
import type { Playbook } from './dsl.js';

/** The longest a top-level execution's status flap waits for a read to see it. */
const FLAP_HOLD_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type ExecState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface CatalogEntry {
  catalogId: bigint;
  path: string;
  version: number;
  kind: string;
  content: string;
  /** Null when it does not compile: the Rust server registers any YAML with metadata (see compileError). */
  playbook: Playbook | null;
  /** Why it cannot run, answered at execute time (Rust: AppError::Validation, HTTP 422). */
  compileError?: string;
  /** The status execute answers it with: 400 when the document lacks the playbook's shape, else 422. */
  compileStatus?: 400 | 422;
  createdAt: Date;
}

/** Work that ended because its execution was cancelled. */
export const CANCELLED = Symbol('cancelled');
/** A step the engine stopped at with no end (4.26.0's failed event batch): the execution stays RUNNING. */
export const HALTED = Symbol('halted');

export class Execution {
  state: ExecState = 'RUNNING';
  currentStep: string | null = null;
  readonly entered = new Set<string>();
  readonly completed = new Set<string>();
  readonly running = new Set<string>();
  readonly failed = new Set<string>();
  /** Steps whose command completed with an error result (Rust: a tool error is a result, not a failure). */
  readonly errored = new Set<string>();
  readonly results: Record<string, unknown> = {};
  /** The execution's `ctx` scope, written by step and arc `set` blocks. */
  readonly ctx: Record<string, unknown> = {};
  readonly startedAt = new Date();
  completedAt: Date | null = null;
  error: string | null = null;
  cancelRequested = false;
  /** Fault status-flap (emulation): until this time the status route shows a terminal state. */
  private flapUntil = 0;
  private flapSeen = false;
  /** Fault materializer-stall: until then its events (the terminal one too) are not in noetl.event yet. */
  unwrittenUntil = 0;
  readonly children: Execution[] = [];
  /**
   * Every step ran and the engine wrote no end (4.26.0 after a last task sequence: event-shapes.ts
   * sequenceEndIsSilent). Its /status infers completed (4.26.0 server/api/core/execution.py 311-321: the
   * current step has no next and completed), and a parent's playbook tool, which polls that, goes on.
   */
  silentEnd = false;
  /** Resolves at the end, or at a silent end: when a parent's playbook tool stops waiting. */
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

  /**
   * Fault status-flap: the status shows COMPLETED for `ms` while the run waits; a top-level execution's flap
   * lasts on until a status read has seen it (at most FLAP_HOLD_MS more), so a test of the flap never passes
   * for want of a read on a loaded machine. A child's lasts `ms` (a parent's playbook tool reads its status).
   */
  async flap(ms: number): Promise<void> {
    this.flapUntil = Infinity;
    this.flapSeen = false;
    await sleep(ms);
    const until = Date.now() + FLAP_HOLD_MS;
    while (this.parentExecutionId === null && !this.flapSeen && Date.now() < until) await sleep(50);
    this.flapUntil = 0;
  }

  /** What a status poll sees now: the state, or COMPLETED during an emulated flap (the read is noted). */
  get shownState(): ExecState {
    if (this.state === 'RUNNING' && Date.now() < this.flapUntil) this.flapSeen = true;
    if (this.state === 'RUNNING') return Date.now() < this.flapUntil ? 'COMPLETED' : this.state;
    // A status computed from the event log (Rust) cannot see an end the log does not hold yet.
    return Date.now() < this.unwrittenUntil ? 'RUNNING' : this.state;
  }

  get terminal(): boolean {
    return this.state !== 'RUNNING';
  }

  /**
   * A step failed; whether no other step still runs. On Rust that is when the orchestrator writes
   * playbook.failed, "Failed steps: …" (orchestrate-core state.rs 950-957, orchestrator.rs 717-773
   * @d9ec700), while a loop's other commands, claimed or queued, run on (semantics.commandsRunAfterEnd).
   */
  failStep(step: string): boolean {
    this.running.delete(step);
    this.failed.add(step);
    return this.running.size === 0;
  }

  endSilently(): void {
    this.silentEnd = true;
    this.resolveFinished();
  }

  /** Ends the execution; `force`: even one already ended (a finalize row is the newest terminal event). */
  finish(state: ExecState, error?: string, force = false): void {
    if (this.terminal && !force) return;
    this.cancelRequested ||= force;
    this.state = state;
    this.error = error ?? null;
    this.completedAt = new Date();
    this.resolveFinished();
  }
}
