// The one bounded store every source pushes into and every renderer samples. Ring buffers and running
// aggregates only: the full stream goes to the report's events.ndjson through the record sink.
import type { NoetlEvent, NormalStatus } from '../noetl/client.js';
import type { ModeDiff, CrossDiff, Mode, RunParams } from '../report/missing-items.js';
import type { ModeStats } from '../sources/rows.js';
import { classify, ITEM_LOOP_NODES, TERMINAL_TYPES, type EventKind } from './events.js';
import { Ring } from './ring.js';
import type { StallFacts } from './stall.js';

export type PhaseName = 'preflight' | 'register' | 'launch' | 'observe' | 'finalize';
export type PhaseState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type ModeVerdict = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'stalled' | 'timeout' | 'not-launched';

export interface EventView {
  t: number;
  eventId: string;
  executionId: string;
  type: string;
  kind: EventKind;
  node: string | null;
  status: string | null;
  batch: number | null; // chunk-worker events: the window they belong to
}

export interface PodSample {
  name: string;
  role: string;
  cpuMillicores: number | null;
  memoryBytes: number | null;
  sampledAt: number;
}

export interface PodView {
  name: string;
  role: string;
  cpuMillicores: number | null;
  memoryBytes: number | null;
  firstMemoryBytes: number | null;
  memoryHistory: number[];
  sampledAt: number;
}

export interface LogLine {
  seq: number;
  t: number;
  source: string;
  level: 'info' | 'warn' | 'error';
  text: string;
}

export interface ModeView {
  mode: Mode;
  executionId: string | null;
  verdict: ModeVerdict;
  currentStep: string | null;
  expected: number;
  stats: ModeStats | null;
  rowsPerSecond: number;
  rateHistory: number[];
  eventCount: number;
  eventsByType: Record<string, number>;
  iterationsIssued: number;
  iterationsDone: number;
  retries: number;
  retriesPerNode: Record<string, number>;
  failures: number;
  children: number;
  openExecutions: string[];
  tail: EventView[];
  stall: StallFacts | null;
  summarize: unknown;
  diff: ModeDiff | null;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
}

export interface Snapshot {
  version: number;
  now: number;
  startedAt: number;
  phases: Array<{ name: PhaseName; state: PhaseState; detail: string }>;
  target: TargetInfo;
  params: RunParams & { preset: string | null };
  modes: ModeView[];
  pods: PodView[];
  podsNote: string | null;
  logs: LogLine[];
  logsNote: string | null;
  degraded: string | null;
  paused: boolean;
  cross: CrossDiff | null;
  finished: boolean;
  reportDir: string | null;
  checks: CheckView[];
}

export interface TargetInfo {
  kind: 'sandbox' | 'server' | 'cluster';
  serverUrl: string;
  dialect: string;
  portForward: string | null;
  rowsSource: string;
  faults: string[];
}

export interface CheckView {
  name: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

export type RecordSink = (record: Record<string, unknown>) => void;

class ModeState {
  executionId: string | null = null;
  verdict: ModeVerdict = 'pending';
  currentStep: string | null = null;
  stats: ModeStats | null = null;
  rows = new Ring<{ t: number; stored: number }>(120);
  rate = new Ring<number>(240);
  rowsPerSecond = 0;
  eventCount = 0;
  byType: Record<string, number> = {};
  issued = 0;
  done = 0;
  retries = 0;
  retriesPerNode: Record<string, number> = {};
  failures = 0;
  childBatch = new Map<string, number | null>();
  executions = new Set<string>();
  terminal = new Set<string>();
  tail = new Ring<EventView>(200);
  stall: StallFacts | null = null;
  summarize: unknown = null;
  diff: ModeDiff | null = null;
  startedAt: number | null = null;
  endedAt: number | null = null;
  error: string | null = null;
  constructor(
    readonly mode: Mode,
    readonly expected: number,
  ) {}
}

export class RunStore {
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly sinks: RecordSink[] = [];
  private readonly modes = new Map<Mode, ModeState>();
  private readonly phases = new Map<PhaseName, { state: PhaseState; detail: string }>();
  private readonly pods = new Map<string, { sample: PodSample; first: number | null; history: Ring<number> }>();
  private readonly logs = new Ring<LogLine>(300);
  private podsNote: string | null = null;
  private logsNote: string | null = null;
  private degraded: string | null = null;
  private cross: CrossDiff | null = null;
  private finished = false;
  private reportDir: string | null = null;
  private readonly checks: CheckView[] = [];
  paused = false;
  readonly startedAt = Date.now();
  target: TargetInfo = { kind: 'sandbox', serverUrl: '', dialect: '?', portForward: null, rowsSource: '?', faults: [] };

  constructor(
    readonly params: RunParams & { preset: string | null },
    modes: Array<{ mode: Mode; expected: number }>,
  ) {
    for (const m of modes) this.modes.set(m.mode, new ModeState(m.mode, m.expected));
    for (const p of ['preflight', 'register', 'launch', 'observe', 'finalize'] as PhaseName[]) this.phases.set(p, { state: 'pending', detail: '' });
  }

  // ---- plumbing -----------------------------------------------------------------------------------
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  addSink(sink: RecordSink): void {
    this.sinks.push(sink);
  }
  private record(kind: string, data: Record<string, unknown>): void {
    if (!this.sinks.length) return;
    const rec = { ts: new Date().toISOString(), kind, ...data };
    for (const s of this.sinks) s(rec);
  }
  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
  private m(mode: Mode): ModeState {
    const s = this.modes.get(mode);
    if (!s) throw new Error(`unknown mode ${mode}`);
    return s;
  }
  get modeNames(): Mode[] {
    return [...this.modes.keys()];
  }

  // ---- writes from sources ------------------------------------------------------------------------
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
  check(c: CheckView): void {
    this.checks.push(c);
    const mark = c.verdict === 'ok' ? '✓' : c.verdict === 'warn' ? '!' : '✗';
    this.log('preflight', c.verdict === 'ok' ? 'info' : c.verdict === 'warn' ? 'warn' : 'error', `${mark} ${c.name}: ${c.detail}${c.hint && c.verdict !== 'ok' ? ` — ${c.hint}` : ''}`);
    this.record('check', { ...c });
  }
  setReportDir(dir: string): void {
    this.reportDir = dir;
    this.changed();
  }
  launched(mode: Mode, executionId: string): void {
    const s = this.m(mode);
    s.executionId = executionId;
    s.verdict = 'running';
    s.startedAt = Date.now();
    s.executions.add(executionId);
    this.record('launch', { mode, execution_id: executionId });
    this.changed();
  }
  setVerdict(mode: Mode, verdict: ModeVerdict, error?: string): void {
    const s = this.m(mode);
    if (s.verdict === verdict && !error) return;
    s.verdict = verdict;
    if (error) s.error = error;
    if (verdict !== 'running' && verdict !== 'pending') s.endedAt ??= Date.now();
    if (verdict === 'running') s.endedAt = null;
    this.record('verdict', { mode, verdict, error: error ?? null });
    this.changed();
  }
  status(mode: Mode, st: NormalStatus): void {
    const s = this.m(mode);
    s.currentStep = st.currentStep;
    this.record('status', { mode, execution_id: st.executionId, state: st.state, current_step: st.currentStep, progress: st.progress });
    this.changed();
  }
  childFound(mode: Mode, executionId: string, batch: number | null): void {
    const s = this.m(mode);
    if (s.childBatch.has(executionId)) return;
    s.childBatch.set(executionId, batch);
    s.executions.add(executionId);
    this.record('child', { mode, execution_id: executionId, batch_number: batch });
    this.changed();
  }
  events(mode: Mode, evs: NoetlEvent[]): void {
    if (!evs.length) return;
    const s = this.m(mode);
    const now = Date.now();
    for (const e of evs) {
      const kind = classify(e.type, e.status);
      s.eventCount++;
      s.byType[e.type] = (s.byType[e.type] ?? 0) + 1;
      if (e.node && ITEM_LOOP_NODES.has(e.node)) {
        if (kind === 'issued') s.issued++;
        else if (kind === 'completed' || (e.type === 'command.failed' && kind === 'failed')) s.done++;
      }
      if (kind === 'retry') {
        s.retries++;
        const node = e.node ?? '?';
        s.retriesPerNode[node] = (s.retriesPerNode[node] ?? 0) + 1;
      }
      if (kind === 'failed' && e.type !== 'command.failed' && e.type !== 'step_failed') s.failures++;
      if (TERMINAL_TYPES.has(e.type)) s.terminal.add(e.executionId);
      s.executions.add(e.executionId);
      const view: EventView = { t: now, eventId: e.eventId, executionId: e.executionId, type: e.type, kind, node: e.node, status: e.status, batch: s.childBatch.get(e.executionId) ?? null };
      if (!this.paused) s.tail.push(view);
      this.record('event', { mode, event_id: e.eventId, execution_id: e.executionId, event_type: e.type, node_name: e.node, status: e.status, created_at: e.createdAt, batch_number: view.batch });
    }
    this.changed();
  }
  rows(mode: Mode, stats: ModeStats): void {
    const s = this.m(mode);
    const now = Date.now();
    s.stats = stats;
    s.rows.push({ t: now, stored: stats.storedRows });
    // rows/s over the last ~5 s of samples
    const hist = s.rows.toArray();
    const base = hist.find((h) => now - h.t <= 5000) ?? hist[0];
    const dt = (now - base.t) / 1000;
    s.rowsPerSecond = dt > 0.5 ? Math.max(0, (stats.storedRows - base.stored) / dt) : 0;
    s.rate.push(s.rowsPerSecond);
    this.record('rows', { mode, execution_id: s.executionId, ...stats, rows_per_second: Number(s.rowsPerSecond.toFixed(2)) });
    this.changed();
  }
  stalled(mode: Mode, facts: StallFacts | null): void {
    const s = this.m(mode);
    s.stall = facts;
    if (facts) this.record('stall', { mode, ...facts });
    this.changed();
  }
  summarize(mode: Mode, value: unknown): void {
    this.m(mode).summarize = value;
    this.record('summarize', { mode, value });
    this.changed();
  }
  diff(mode: Mode, d: ModeDiff): void {
    this.m(mode).diff = d;
    this.record('diff', { ...d });
    this.changed();
  }
  setCross(c: CrossDiff | null): void {
    this.cross = c;
    if (c) this.record('cross_mode', { ...c });
    this.changed();
  }
  pod(sample: PodSample): void {
    const p = this.pods.get(sample.name);
    if (!p) this.pods.set(sample.name, { sample, first: sample.memoryBytes, history: new Ring(120) });
    const cur = this.pods.get(sample.name)!;
    cur.sample = sample;
    if (cur.first === null) cur.first = sample.memoryBytes;
    if (sample.memoryBytes !== null) cur.history.push(sample.memoryBytes);
    this.record('pod', { ...sample });
    this.changed();
  }
  dropPod(name: string): void {
    if (this.pods.delete(name)) this.changed();
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
    this.record('log', { source, level, text });
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
  /** The few per-mode facts the poll loop needs, without building a whole snapshot. */
  modeFacts(mode: Mode): { verdict: ModeVerdict; executionId: string | null; eventCount: number; expected: number } {
    const s = this.m(mode);
    return { verdict: s.verdict, executionId: s.executionId, eventCount: s.eventCount, expected: s.expected };
  }
  get isFinished(): boolean {
    return this.finished;
  }
  /** Executions of a mode that have no terminal event yet. */
  openExecutions(mode: Mode): string[] {
    const s = this.m(mode);
    return [...s.executions].filter((id) => !s.terminal.has(id));
  }
  modeExecutions(mode: Mode): string[] {
    return [...this.m(mode).executions];
  }
  podMemoryTrend(): StallFacts['podMemoryTrend'] {
    const MiB = 1024 * 1024;
    return [...this.pods.values()]
      .filter((p) => p.first !== null && p.sample.memoryBytes !== null)
      .map((p) => ({ pod: p.sample.name, firstMiB: round1(p.first! / MiB), lastMiB: round1(p.sample.memoryBytes! / MiB), deltaMiB: round1((p.sample.memoryBytes! - p.first!) / MiB) }));
  }
  iterationCounts(mode: Mode): { issued: number; done: number; retriesPerNode: Record<string, number> } {
    const s = this.m(mode);
    return { issued: s.issued, done: s.done, retriesPerNode: { ...s.retriesPerNode } };
  }

  snapshot(): Snapshot {
    return {
      version: this.version,
      now: Date.now(),
      startedAt: this.startedAt,
      phases: [...this.phases.entries()].map(([name, p]) => ({ name, ...p })),
      target: this.target,
      params: this.params,
      modes: [...this.modes.values()].map((s) => ({
        mode: s.mode,
        executionId: s.executionId,
        verdict: s.verdict,
        currentStep: s.currentStep,
        expected: s.expected,
        stats: s.stats,
        rowsPerSecond: s.rowsPerSecond,
        rateHistory: s.rate.toArray(),
        eventCount: s.eventCount,
        eventsByType: { ...s.byType },
        iterationsIssued: s.issued,
        iterationsDone: s.done,
        retries: s.retries,
        retriesPerNode: { ...s.retriesPerNode },
        failures: s.failures,
        children: s.childBatch.size,
        openExecutions: [...s.executions].filter((id) => !s.terminal.has(id)),
        tail: s.tail.last(50),
        stall: s.stall,
        summarize: s.summarize,
        diff: s.diff,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        error: s.error,
      })),
      pods: [...this.pods.values()].map((p) => ({ name: p.sample.name, role: p.sample.role, cpuMillicores: p.sample.cpuMillicores, memoryBytes: p.sample.memoryBytes, firstMemoryBytes: p.first, memoryHistory: p.history.toArray(), sampledAt: p.sample.sampledAt })),
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

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
