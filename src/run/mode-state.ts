// One mode's state inside the store: plain facts (copied into the view as they are) plus bounded buffers
// and sets (from which the view derives its lists). Ingesting events and row counts happens here.
import type { EventView, ExecState, Mode, ModeFacts, ModeStats, ModeView, NodeCounts, NoetlEvent } from '../model.js';
import { classify, ITEM_LOOP_NODES, terminalStateOf } from '../noetl/events.js';
import { Ring } from './ring.js';

/** How long a child's /status must keep saying it ended, with no event from it, before that counts. */
export const STATUS_END_CONFIRM_MS = 3000;

export class ModeState {
  readonly facts: ModeFacts;
  readonly eventsByType: Record<string, number> = {};
  readonly retriesPerNode: Record<string, number> = {};
  readonly perNode: Record<string, NodeCounts> = {};
  /** Steps that completed at least one command: a first completion is progress, a repeat is not. */
  readonly completedNodes = new Set<string>();
  readonly childBatch = new Map<string, number | null>();
  readonly executions = new Set<string>();
  /** Executions with a terminal event, and the state it settled. */
  readonly terminal = new Map<string, ExecState>();
  /** Executions with no terminal event whose /status says they ended (completion_inferred on the legacy engine). */
  readonly endedByStatus = new Map<string, ExecState>();
  /** A /status end read once, not yet confirmed (RunStore.childStatusRead): its state, the events then, when. */
  readonly statusEndSeen = new Map<string, { state: ExecState; events: number; at: number }>();
  /** Events ingested per execution, and when the last came. */
  readonly eventsOf = new Map<string, number>();
  readonly lastEventAt = new Map<string, number>();
  readonly tail = new Ring<EventView>(200);
  private readonly rowSamples = new Ring<{ t: number; stored: number }>(120);
  private readonly rate = new Ring<number>(240);

  constructor(mode: Mode, expected: number) {
    this.facts = {
      mode,
      executionId: null,
      verdict: 'pending',
      currentStep: null,
      expected,
      stats: null,
      rowsPerSecond: 0,
      eventCount: 0,
      iterationsIssued: 0,
      iterationsDone: 0,
      retries: 0,
      retriesUnattributed: 0,
      failures: 0,
      stall: null,
      stalls: [],
      diagnosis: null,
      etaSeconds: null,
      summarize: null,
      diff: null,
      startedAt: null,
      endedAt: null,
      error: null,
    };
  }

  launch(executionId: string, now: number, adopted = false): void {
    Object.assign(this.facts, { executionId, verdict: 'running', startedAt: now, ...(adopted ? { adopted } : {}) });
    this.executions.add(executionId);
  }

  /** False when nothing changed. */
  setVerdict(verdict: ModeFacts['verdict'], error: string | undefined, now: number): boolean {
    const f = this.facts;
    if (f.verdict === verdict && !error) return false;
    f.verdict = verdict;
    if (error) f.error = error;
    if (verdict !== 'running' && verdict !== 'pending') f.endedAt ??= now;
    if (verdict === 'running') f.endedAt = null;
    return true;
  }

  /** One retry of a task, from a log line (run/log-hits.ts). */
  countRetry(node: string): void {
    this.facts.retries++;
    this.retriesPerNode[node] = (this.retriesPerNode[node] ?? 0) + 1;
  }

  /** False when the child was known. */
  addChild(executionId: string, batch: number | null): boolean {
    if (this.childBatch.has(executionId)) return false;
    this.childBatch.set(executionId, batch);
    this.executions.add(executionId);
    return true;
  }

  /** Rows stored when the newest event arrived: rows stored since, with no event, are work the log lacks. */
  private rowsAtLastEvent = 0;
  /** The newest time the engine stored an event of this mode (its created_at, ms). */
  private newestEventAt: number | null = null;

  /**
   * Rows stored after the newest event, by the times the engine stored them: the rows counted since that
   * event arrived, but only when the newest row was stored later than the newest event (a poll can read
   * rows after the events that were written after them). Without both times: 0.
   */
  get rowsSinceLastEvent(): number {
    const rowAt = this.facts.stats?.lastAt;
    if (rowAt == null || this.newestEventAt === null || rowAt * 1000 <= this.newestEventAt) return 0;
    return Math.max(0, (this.facts.stats?.storedRows ?? 0) - this.rowsAtLastEvent);
  }

  /**
   * A watched execution's start is its earliest event and its end its parent's terminal event, as the
   * engine stored them: what the watch itself took (0.1 s over a finished execution) is no duration.
   */
  private engineTimes(at: number, e: NoetlEvent): void {
    const f = this.facts;
    if (f.startedAt === null || at < f.startedAt) f.startedAt = at;
    if (e.executionId === f.executionId && terminalStateOf(e.type))
      f.endedAt = this.engineEnd = Math.max(this.engineEnd ?? at, at);
  }
  private engineEnd: number | null = null;

  /** Counts one event; returns its view for the tail. */
  ingest(e: NoetlEvent, now: number): EventView {
    const f = this.facts;
    this.rowsAtLastEvent = f.stats?.storedRows ?? 0;
    const at = e.createdAt ? Date.parse(e.createdAt) : NaN;
    if (Number.isFinite(at) && (this.newestEventAt === null || at > this.newestEventAt)) this.newestEventAt = at;
    if (f.adopted && Number.isFinite(at)) this.engineTimes(at, e);
    const kind = classify(e.type, e.status);
    f.eventCount++;
    this.eventsByType[e.type] = (this.eventsByType[e.type] ?? 0) + 1;
    if (e.node && ITEM_LOOP_NODES.has(e.node)) {
      if (kind === 'issued') f.iterationsIssued++;
      else if (kind === 'completed' || (kind === 'failed' && e.type.startsWith('command.'))) f.iterationsDone++;
    }
    if (kind === 'failed' && e.type !== 'command.failed' && e.type !== 'step_failed') f.failures++;
    if (e.node) this.countNode(e.node, e.type, kind);
    const settled = terminalStateOf(e.type);
    if (settled) this.terminal.set(e.executionId, settled);
    this.executions.add(e.executionId);
    this.eventsOf.set(e.executionId, (this.eventsOf.get(e.executionId) ?? 0) + 1);
    this.lastEventAt.set(e.executionId, now);
    return {
      t: now,
      eventId: e.eventId,
      executionId: e.executionId,
      type: e.type,
      kind,
      node: e.node,
      status: e.status,
      batch: this.childBatch.get(e.executionId) ?? null,
    };
  }

  private countNode(node: string, type: string, kind: string): void {
    const c = (this.perNode[node] ??= { issued: 0, claimed: 0, started: 0, completed: 0, failed: 0 });
    if (type === 'command.issued') c.issued++;
    else if (type === 'command.claimed') c.claimed++;
    else if (type === 'command.started') c.started++;
    else if (type === 'command.completed' || type === 'command.failed') {
      if (kind === 'failed') c.failed++;
      else c.completed++;
      this.completedNodes.add(node);
    }
  }

  /** Progress for the stall detector: rows stored plus steps that completed for the first time. */
  get progress(): number {
    // A successful command shows as a stored row; a failed one (Rust: command.completed "error";
    // command.failed) stores none but is an outcome all the same: a run whose endpoint fails every item is
    // working through its items, not stalled. perNode counts them already.
    let failedCommands = 0;
    for (const c of Object.values(this.perNode)) failedCommands += c.failed;
    return (this.facts.stats?.storedRows ?? 0) + this.completedNodes.size + failedCommands;
  }

  /** Takes a row count and updates rows/s over the last ~5 s of samples. */
  takeRows(stats: ModeStats, now: number): void {
    const f = this.facts;
    f.stats = stats;
    this.rowSamples.push({ t: now, stored: stats.storedRows });
    const hist = this.rowSamples.toArray();
    const base = hist.find((h) => now - h.t <= 5000) ?? hist[0];
    const dt = (now - base.t) / 1000;
    f.rowsPerSecond = dt > 0.5 ? Math.max(0, (stats.storedRows - base.stored) / dt) : 0;
    f.etaSeconds = f.rowsPerSecond > 0 ? Math.round((f.expected - stats.storedRows) / f.rowsPerSecond) : null;
    this.rate.push(f.rowsPerSecond);
  }

  /**
   * Whether a child's /status saying `state` counts as its end: once a read at least STATUS_END_CONFIRM_MS
   * after the first says the same and the child wrote no event in between. 4.26.0's /status guesses
   * `completed` whenever the latest event is a completion and no command is pending
   * (server/api/core/execution.py 311-330), true for a moment between two commands, and says `failed` at a
   * command.failed the run goes on after. Seen there: a chunk worker said completed 4 s before its two
   * command.failed events, and the diff was taken without them.
   */
  statusEnd(executionId: string, state: ExecState, now: number): boolean {
    if (state === 'running') {
      this.statusEndSeen.delete(executionId);
      return false;
    }
    const events = this.eventsOf.get(executionId) ?? 0;
    const seen = this.statusEndSeen.get(executionId);
    if (seen && seen.state === state && seen.events === events) {
      if (now - seen.at < STATUS_END_CONFIRM_MS) return false;
      this.statusEndSeen.delete(executionId);
      return true;
    }
    this.statusEndSeen.set(executionId, { state, events, at: now });
    return false;
  }

  /** Whether an open child's /status said it ended, and the read that confirms it is still to come. */
  get endsPending(): boolean {
    return [...this.statusEndSeen.keys()].some((id) => !this.terminal.has(id) && !this.endedByStatus.has(id));
  }

  /** Executions of the mode with no terminal event yet. */
  openExecutions(): string[] {
    return [...this.executions].filter((id) => !this.terminal.has(id));
  }

  view(): ModeView {
    return {
      ...this.facts,
      perNode: structuredClone(this.perNode),
      rateHistory: this.rate.toArray(),
      eventsByType: { ...this.eventsByType },
      retriesPerNode: { ...this.retriesPerNode },
      children: this.childBatch.size,
      openExecutions: this.openExecutions(),
      endedByStatus: this.openExecutions().filter((id) => this.endedByStatus.has(id)),
      stalls: this.facts.stalls.map((e) => ({ ...e })),
      tail: this.tail.last(50),
      rowsSinceLastEvent: this.rowsSinceLastEvent,
    };
  }
}
