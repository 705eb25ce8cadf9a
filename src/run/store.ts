// The one bounded store every source pushes into and every renderer samples. Ring buffers and running
// aggregates only: the full stream goes to the report's events.ndjson through the record sinks.
// Writes are verbs (`recordRows`, `markStalled`); reads are `snapshot()` for renderers and a few narrow
// getters for the poll loop.
import type { Diagnosis, ExecState, LogLine, Mode, ModeDiff, ModeFacts, ModeStats } from '../model.js';
import type { ModeVerdict, NoetlEvent, NormalStatus, RunParams, Snapshot, StallFacts } from '../model.js';
import { LogHits, loggedRetries } from './log-hits.js';
import { ModeState } from './mode-state.js';
import { RunState } from './run-state.js';

export class RunStore extends RunState {
  protected readonly modes = new Map<Mode, ModeState>();
  /** Known failure patterns seen in server, worker and sandbox logs (never the tool's own lines), and the settings they state. */
  readonly hits = new LogHits();

  /**
   * `clock`: the time of each write (the wall clock live; the recorded times when a run is rebuilt from its
   * records, so a rebuilt report has the original's figures).
   */
  constructor(
    public params: RunParams & { preset: string | null },
    modes: Array<{ mode: Mode; expected: number }>,
    clock: () => number = Date.now,
  ) {
    super(clock);
    for (const m of modes) this.modes.set(m.mode, new ModeState(m.mode, m.expected));
  }

  private m(mode: Mode): ModeState {
    const s = this.modes.get(mode);
    if (!s) throw new Error(`unknown mode ${mode}`);
    return s;
  }

  log(source: string, level: LogLine['level'], text: string): void {
    this.logs.push({ seq: this.logs.total + 1, t: this.clock(), source, level, text });
    const hit = this.hits.match(source, level, text, this.modes.values());
    const retries = loggedRetries(hit, text, [...this.modes.keys()]);
    for (const [m, task] of retries.counted) this.modes.get(m)?.countRetry(task);
    for (const m of retries.unattributed) this.modes.get(m)!.facts.retriesUnattributed++;
    this.record('log', { source, level, text });
    this.changed();
  }
  /** The header record of events.ndjson: what a rebuild needs to start a store (render/replay.ts). */
  recordRunHeader(tool: string): void {
    this.record('run', {
      tool,
      started_at: this.startedAt,
      params: this.params,
      modes: [...this.modes.values()].map((m) => ({ mode: m.facts.mode, expected: m.facts.expected })),
    });
  }
  /** Records the outcome; returns its time (the reports' end: `snapshot(at)`). */
  recordOutcome(outcome: { exitCode: number; reason: string }): number {
    const at = this.clock();
    this.record('outcome', { exit_code: outcome.exitCode, reason: outcome.reason }, at);
    return at;
  }

  // ---- writes: one mode ---------------------------------------------------------------------------
  /** watch: the modes actually watched, with what their executions were launched with. */
  watchOnly(modes: Array<{ mode: Mode; expected: number }>, params: RunParams): void {
    for (const m of [...this.modes.keys()]) if (!modes.some((x) => x.mode === m)) this.modes.delete(m);
    for (const m of modes) this.m(m.mode).facts.expected = m.expected;
    this.params = { ...params, preset: null };
    this.changed();
  }
  /** A mode held back before its launch, and why (null: no longer). */
  setWaiting(mode: Mode, why: string | null): void {
    this.m(mode).facts.waiting = why;
    if (why) this.log('loadrun', 'info', `${mode}: ${why} (two CREATE TABLE of one table at once fail on pg_type)`);
    this.changed();
  }
  /** `adopted`: started elsewhere (watch): its times become the engine's once its events arrive. */
  markLaunched(mode: Mode, executionId: string, adopted = false): void {
    const now = this.clock();
    this.m(mode).launch(executionId, now, adopted);
    this.record('launch', { mode, execution_id: executionId, ...(adopted ? { adopted } : {}) }, now);
    this.changed();
  }
  setVerdict(mode: Mode, verdict: ModeVerdict, error?: string): void {
    const now = this.clock();
    if (!this.m(mode).setVerdict(verdict, error, now)) return;
    this.record('verdict', { mode, verdict, error: error ?? null }, now);
    this.changed();
  }
  recordStatus(mode: Mode, st: NormalStatus): void {
    this.m(mode).facts.currentStep = st.currentStep;
    this.record('status', {
      mode,
      execution_id: st.executionId,
      state: st.state,
      current_step: st.currentStep,
      progress: st.progress,
    });
    this.changed();
  }
  addChild(mode: Mode, executionId: string, batch: number | null): void {
    if (!this.m(mode).addChild(executionId, batch)) return;
    this.record('child', { mode, execution_id: executionId, batch_number: batch });
    this.changed();
  }
  recordEvents(mode: Mode, evs: NoetlEvent[]): void {
    if (!evs.length) return;
    const s = this.m(mode);
    const now = this.clock();
    const batch = this.recorder.eventBatch(mode, now);
    for (const e of evs) {
      const view = s.ingest(e, now);
      if (!this.paused) s.tail.push(view);
      batch(e, view.batch);
    }
    this.changed();
  }
  recordRows(mode: Mode, stats: ModeStats): void {
    const s = this.m(mode);
    const now = this.clock();
    s.takeRows(stats, now);
    this.record(
      'rows',
      {
        mode,
        execution_id: s.facts.executionId,
        ...stats,
        rows_per_second: Number(s.facts.rowsPerSecond.toFixed(2)),
      },
      now,
    );
    this.changed();
  }
  /** A stall called: the mode's open stall, and a new episode. */
  markStalled(mode: Mode, facts: StallFacts): void {
    const f = this.m(mode).facts;
    f.stall = facts;
    // One reading of the clock for the episode and its record, so a rebuild from events.ndjson gives the same.
    const at = this.clock();
    f.stalls.push({
      since: facts.since,
      detectedAt: at,
      endedAt: null,
      endedBy: null,
      kind: facts.kind,
      cause: null,
      storedRows: facts.storedRows,
    });
    this.record('stall', { mode, ...facts }, at);
    this.changed();
  }
  /** The parent's terminal event came while child executions still ran (their rows still arriving). */
  markParentEndedEarly(mode: Mode, openChildren: number): void {
    const f = this.m(mode).facts;
    f.parentEndedEarly = { at: this.clock(), storedRows: f.stats?.storedRows ?? 0, openChildren };
    this.record('parent_ended_early', {
      mode,
      open_children: openChildren,
      stored_rows: f.parentEndedEarly.storedRows,
    });
    this.changed();
  }
  /** The execution ended while commands it issued still ran (Rust): the diff waits for their rows. */
  markEndedWhileRunning(mode: Mode, state: ExecState, openCommands: number, diffWaited = true): void {
    const f = this.m(mode).facts;
    const storedRows = f.stats?.storedRows ?? 0;
    f.afterEnd = { state, at: this.clock(), storedRows, openCommands, settledAt: null, rowsAfter: null, diffWaited };
    this.record('ended_running', {
      mode,
      state,
      open_commands: openCommands,
      stored_rows: storedRows,
      diff_waited: diffWaited,
    });
    this.changed();
  }
  /** The rows after such an end stopped arriving: how many came after it (`rowsAfter`: counted elsewhere). */
  settleAfterEnd(mode: Mode, rowsAfter?: number): void {
    const a = this.m(mode).facts.afterEnd;
    if (!a) return;
    a.settledAt = this.clock();
    a.rowsAfter = rowsAfter ?? (this.m(mode).facts.stats?.storedRows ?? 0) - a.storedRows;
    this.record('rows_settled', { mode, rows_after: a.rowsAfter });
    this.changed();
  }
  /** How long the open stall has lasted, as the poll sees it (the screen's badge; not recorded). */
  touchStall(mode: Mode, idleSeconds: number): void {
    const f = this.m(mode).facts;
    if (!f.stall || f.stallIdleSeconds === idleSeconds) return;
    f.stallIdleSeconds = idleSeconds;
    this.changed();
  }
  /** The first cause the diagnosis names while a stall is open stays with its episode. */
  noteStallCause(mode: Mode, cause: string): void {
    const open = this.m(mode).facts.stalls.at(-1);
    if (!open || open.endedAt !== null || open.cause !== null) return;
    open.cause = cause;
    this.record('stall_cause', { mode, cause });
  }
  /** Progress came back: the open stall episode ends, with what ended it and the cause named meanwhile. */
  endStall(mode: Mode, endedBy: string | null, cause: string | null): void {
    const f = this.m(mode).facts;
    const open = f.stalls.at(-1);
    if (!f.stall || !open || open.endedAt !== null) return;
    Object.assign(open, { endedAt: this.clock(), endedBy, cause: cause ?? open.cause });
    f.stall = null;
    this.record('stall_end', { mode, ended_by: endedBy, cause });
    this.changed();
  }
  /** A child's /status, read as it wrote no terminal event: an end counts once confirmed (ModeState.statusEnd). */
  childStatusRead(mode: Mode, id: string, state: ExecState, inferred: boolean): void {
    if (this.m(mode).statusEnd(id, state, this.clock())) this.recordChildStatus(mode, id, state, inferred);
  }
  /** Whether a child's /status said it ended and a second read is to confirm it (ModeState.statusEnd). */
  childEndsPending(mode: Mode): boolean {
    return this.m(mode).endsPending;
  }
  /** How long an execution of the mode has written no event (forever when none came yet). */
  quietFor(mode: Mode, id: string): number {
    return this.clock() - (this.m(mode).lastEventAt.get(id) ?? -Infinity);
  }
  /** A child's end as its /status said it (confirmed live by childStatusRead; as recorded when rebuilt). */
  recordChildStatus(mode: Mode, executionId: string, state: ExecState, inferred: boolean): void {
    const s = this.m(mode);
    if (state === 'running' || s.endedByStatus.get(executionId) === state) return;
    s.endedByStatus.set(executionId, state);
    this.record('child_status', { mode, execution_id: executionId, state, inferred });
    this.changed();
  }
  setDiagnosis(mode: Mode, d: Diagnosis): void {
    const f = this.m(mode).facts;
    if (JSON.stringify(f.diagnosis) === JSON.stringify(d)) return;
    f.diagnosis = d;
    this.record('diagnosis', { mode, ...d });
    this.changed();
  }
  setSummarize(mode: Mode, value: unknown): void {
    this.m(mode).facts.summarize = value;
    this.record('summarize', { mode, value });
    this.changed();
  }
  setDiff(mode: Mode, d: ModeDiff): void {
    this.m(mode).facts.diff = d;
    this.record('diff', { ...d });
    this.changed();
  }

  // ---- reads --------------------------------------------------------------------------------------
  /** Whether any mode has an execution (launched or adopted). */
  launchedAny = (): boolean => [...this.modes.values()].some((m) => m.facts.executionId !== null);
  /** One mode's plain facts, without building a whole snapshot (the poll loop reads these every tick). */
  modeFacts(mode: Mode): Readonly<ModeFacts> {
    return this.m(mode).facts;
  }
  /** The state the execution's terminal event settled, if one was seen. */
  terminalState(mode: Mode, executionId: string): ExecState | undefined {
    return this.m(mode).terminal.get(executionId);
  }
  openExecutions = (mode: Mode): string[] => this.m(mode).openExecutions();
  modeExecutions = (mode: Mode): string[] => [...this.m(mode).executions];
  /** Every execution of every mode of the run (parents and the children found so far). */
  allExecutions = (): string[] => [...this.modes.values()].flatMap((s) => [...s.executions]);
  retriesPerNode(mode: Mode): Record<string, number> {
    return { ...this.m(mode).retriesPerNode };
  }
  /** Rows stored, steps completed for the first time and commands that ended failed (the stall detector's progress). */
  progress(mode: Mode): number {
    return this.m(mode).progress;
  }
  /** The modes of this run, in launch order. */
  get modeNames(): Mode[] {
    return [...this.modes.keys()];
  }
  /** A mode's view without building the whole snapshot. */
  modeView(mode: Mode) {
    return this.m(mode).view();
  }

  /** The run as the renderers see it, at `now` (the reports at the end: the outcome's time). */
  snapshot(now = this.clock()): Snapshot {
    return {
      now,
      startedAt: this.startedAt,
      phases: [...this.phases.entries()].map(([name, p]) => ({ name, ...p })),
      target: this.target,
      params: this.params,
      modes: [...this.modes.values()].map((s) => s.view()),
      pods: this.pods.views(),
      podsNote: this.podsNote,
      logs: this.logs.last(100),
      logsNote: this.logsNote,
      degraded: this.degraded,
      paused: this.paused,
      cross: this.cross,
      finished: this.finished,
      reportDir: this.reportDir,
      checks: [...this.checks],
    };
  }
}
