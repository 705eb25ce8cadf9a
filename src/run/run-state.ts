// The run-level half of the store: the plumbing (listeners, record sinks, the clock), the phases, the
// target, checks, pods, logs panel notes and the other facts that belong to the run rather than a mode.
// RunStore (store.ts) adds the modes.
import {
  EMPTY_TARGET,
  PHASES,
  type Check,
  type CrossDiff,
  type LogLine,
  type PhaseName,
  type PhaseState,
  type PodSample,
  type RecordSink,
  type StackProfile,
  type TargetInfo,
} from '../model.js';
import { checkLine } from '../render/lines.js';
import { PodsState } from './pods-state.js';
import { Recorder } from './recorder.js';
import { Ring } from './ring.js';

export abstract class RunState {
  private readonly listeners = new Set<() => void>();
  protected readonly recorder = new Recorder();
  protected readonly phases = new Map<PhaseName, { state: PhaseState; detail: string }>();
  /** Pods with their memory trend and growth, for the stall facts and the diagnosis. */
  readonly pods = new PodsState();
  protected readonly logs = new Ring<LogLine>(300);
  protected podsNote: string | null = null;
  protected logsNote: string | null = null;
  protected degraded: string | null = null;
  protected cross: CrossDiff | null = null;
  protected finished = false;
  protected reportDir: string | null = null;
  protected readonly checks: Check[] = [];
  paused = false;
  readonly startedAt: number;
  target: TargetInfo = { ...EMPTY_TARGET };

  /**
   * `clock`: the time of each write (the wall clock live; the recorded times when a run is rebuilt from its
   * records, so a rebuilt report has the original's figures).
   */
  constructor(readonly clock: () => number) {
    this.startedAt = clock();
    for (const p of PHASES) this.phases.set(p, { state: 'pending', detail: '' });
  }

  /** A log line: kept for the logs panel, matched against the known failures (the store knows the modes). */
  abstract log(source: string, level: LogLine['level'], text: string): void;

  // ---- plumbing -----------------------------------------------------------------------------------
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  addSink(sink: RecordSink): void {
    this.recorder.add(sink);
  }
  protected record(kind: string, data: Record<string, unknown>, at = this.clock()): void {
    this.recorder.record(kind, data, at);
  }
  protected changed(): void {
    for (const l of this.listeners) l();
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
  /** What the pods and logs panels say when they have nothing (null: nothing to say; absent: unchanged). */
  setNotes(n: { pods?: string | null; logs?: string | null }): void {
    if (n.pods !== undefined) this.podsNote = n.pods;
    if (n.logs !== undefined) this.logsNote = n.logs;
    this.changed();
  }
  /** Where the engine's processes spend their time (py-spy on a local engine), kept with the pods. */
  setProfile(p: StackProfile): void {
    if (!this.pods.setProfile(p)) return;
    this.record('profile', { ...p });
    this.changed();
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
  togglePause(): void {
    this.paused = !this.paused;
    this.changed();
  }

  // ---- reads --------------------------------------------------------------------------------------
  phaseState(name: PhaseName): PhaseState {
    return this.phases.get(name)!.state;
  }
  get isFinished(): boolean {
    return this.finished;
  }
}
