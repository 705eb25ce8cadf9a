// The one bounded store every source pushes into and every renderer samples. Ring buffers and running
// aggregates only: the full stream goes to the report's events.ndjson through the record sinks.
// Writes are verbs (`recordRows`, `markStalled`); reads are `snapshot()` for renderers and a few narrow
// getters for the poll loop.
import {
  PHASES,
  type Check,
  type CrossDiff,
  type Diagnosis,
  type ExecState,
  type LogLine,
  type Mode,
  type ModeDiff,
  type ModeFacts,
  type ModeStats,
  type ModeVerdict,
  type NoetlEvent,
  type NormalStatus,
  type PhaseName,
  type PhaseState,
  type PodSample,
  type RecordSink,
  type RunParams,
  type Snapshot,
  type StallFacts,
  type TargetInfo,
} from '../model.js';
import { LogHits, loggedRetries } from './log-hits.js';
import { checkLine } from '../render/lines.js';
import { ModeState } from './mode-state.js';
import { Recorder } from './recorder.js';
import { PodsState } from './pods-state.js';
import { Ring } from './ring.js';

export class RunStore {
  private readonly listeners = new Set<() => void>();
  private readonly recorder = new Recorder();
  private readonly modes = new Map<Mode, ModeState>();
  private readonly phases = new Map<PhaseName, { state: PhaseState; detail: string }>();
  /** Pods with their memory trend and growth, for the stall facts and the diagnosis. */
  readonly pods = new PodsState();
  private readonly logs = new Ring<LogLine>(300);
  private podsNote: string | null = null;
  private logsNote: string | null = null;
  private degraded: string | null = null;
  private cross: CrossDiff | null = null;
  private finished = false;
  private reportDir: string | null = null;
  private readonly checks: Check[] = [];
  paused = false;
  /** Known failure patterns seen in server, worker and sandbox logs (never the tool's own lines). */
  private readonly hits = new LogHits();
  readonly startedAt = Date.now();
  target: TargetInfo = {
    kind: 'sandbox',
    serverUrl: '',
    dialect: '?',
    portForward: null,
    rowsSource: '?',
    faults: [],
    playbookWarnings: 0,
  };

  constructor(
    public params: RunParams & { preset: string | null },
    modes: Array<{ mode: Mode; expected: number }>,
  ) {
    for (const m of modes) this.modes.set(m.mode, new ModeState(m.mode, m.expected));
    for (const p of PHASES) this.phases.set(p, { state: 'pending', detail: '' });
  }

  // ---- plumbing -----------------------------------------------------------------------------------
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  addSink(sink: RecordSink): void {
    this.recorder.add(sink);
  }
  private record(kind: string, data: Record<string, unknown>, at = Date.now()): void {
    this.recorder.record(kind, data, at);
  }
  private changed(): void {
    for (const l of this.listeners) l();
  }
  private m(mode: Mode): ModeState {
    const s = this.modes.get(mode);
    if (!s) throw new Error(`unknown mode ${mode}`);
    return s;
  }

  // ---- writes: the run ----------------------------------------------------------------------------
  setTarget(t: Partial<TargetInfo>): void {
    this.target = { ...this.target, ...t };
    this.record('target', { ...this.target });
    this.changed();
  }
  setPhase(name: PhaseName, state: PhaseState, detail = ''): void {
    this.phases.set(name, { state, detail });
    this.record('phase', { phase: name, state, detail });
    this.changed();
  }
  setDegraded(msg: string | null): void {
    if (msg === this.degraded) return;
    this.degraded = msg;
    this.record('degraded', { message: msg });
    if (msg) this.log('loadrun', 'warn', msg);
    this.changed();
  }
  addCheck(c: Check): void {
    this.checks.push(c);
    this.log('preflight', c.verdict === 'ok' ? 'info' : c.verdict === 'warn' ? 'warn' : 'error', checkLine(c));
    this.record('check', { ...c });
  }
  setReportDir(dir: string): void {
    this.reportDir = dir;
    this.changed();
  }
  setCross(c: CrossDiff | null): void {
    this.cross = c;
    if (c) this.record('cross_mode', { ...c });
    this.changed();
  }
  setPodsNote(note: string | null): void {
    this.podsNote = note;
    this.changed();
  }
  setLogsNote(note: string | null): void {
    this.logsNote = note;
    this.changed();
  }
  log(source: string, level: LogLine['level'], text: string): void {
    this.logs.push({ seq: this.logs.total + 1, t: Date.now(), source, level, text });
    const hit = this.hits.match(source, text, this.modes.values());
    for (const [m, task] of loggedRetries(hit, text, [...this.modes.keys()])) this.modes.get(m)?.countRetry(task);
    this.record('log', { source, level, text });
    this.changed();
  }
  /** The pattern hits that may concern a mode: its own and the ones naming no step. */
  logHits(mode: Mode): ReturnType<LogHits['of']> {
    return this.hits.of(mode);
  }
  recordPod(sample: PodSample): void {
    this.pods.take(sample);
    this.record('pod', { ...sample });
    this.changed();
  }
  finish(): void {
    this.finished = true;
    this.changed();
  }
  /** The header record of events.ndjson: what a rebuild needs to start a store (render/replay.ts). */
  recordRunHeader(tool: string): void {
    this.record('run', {
      tool,
      params: this.params,
      modes: [...this.modes.values()].map((m) => ({ mode: m.facts.mode, expected: m.facts.expected })),
    });
  }
  recordOutcome(outcome: { exitCode: number; reason: string }): void {
    this.record('outcome', { exit_code: outcome.exitCode, reason: outcome.reason });
  }
  togglePause(): void {
    this.paused = !this.paused;
    this.changed();
  }

  // ---- writes: one mode ---------------------------------------------------------------------------
  /** watch: the modes actually watched, with what their executions were launched with. */
  watchOnly(modes: Array<{ mode: Mode; expected: number }>, params: RunParams): void {
    for (const m of [...this.modes.keys()]) if (!modes.some((x) => x.mode === m)) this.modes.delete(m);
    for (const m of modes) this.m(m.mode).facts.expected = m.expected;
    this.params = { ...params, preset: null };
    this.changed();
  }
  markLaunched(mode: Mode, executionId: string): void {
    this.m(mode).launch(executionId);
    this.record('launch', { mode, execution_id: executionId });
    this.changed();
  }
  setVerdict(mode: Mode, verdict: ModeVerdict, error?: string): void {
    if (!this.m(mode).setVerdict(verdict, error)) return;
    this.record('verdict', { mode, verdict, error: error ?? null });
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
    const now = Date.now();
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
    s.takeRows(stats, Date.now());
    this.record('rows', {
      mode,
      execution_id: s.facts.executionId,
      ...stats,
      rows_per_second: Number(s.facts.rowsPerSecond.toFixed(2)),
    });
    this.changed();
  }
  markStalled(mode: Mode, facts: StallFacts): void {
    this.m(mode).facts.stall = facts;
    this.record('stall', { mode, ...facts });
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
  phaseState(name: PhaseName): PhaseState {
    return this.phases.get(name)!.state;
  }
  get isFinished(): boolean {
    return this.finished;
  }
  /** The state the execution's terminal event settled, if one was seen. */
  terminalState(mode: Mode, executionId: string): ExecState | undefined {
    return this.m(mode).terminal.get(executionId);
  }
  openExecutions = (mode: Mode): string[] => this.m(mode).openExecutions();
  modeExecutions = (mode: Mode): string[] => [...this.m(mode).executions];
  retriesPerNode(mode: Mode): Record<string, number> {
    return { ...this.m(mode).retriesPerNode };
  }
  /** Rows stored, steps completed for the first time and commands that ended failed (the stall detector's progress). */
  progress(mode: Mode): number {
    return this.m(mode).progress;
  }
  /** A mode's view without building the whole snapshot. */
  modeView(mode: Mode) {
    return this.m(mode).view();
  }

  snapshot(): Snapshot {
    return {
      now: Date.now(),
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
