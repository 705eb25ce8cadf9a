// The sweep runner: opens the target once, then runs every cell's missing repeats as ordinary runs (one
// after another, or --parallel-cells at a time), each with its own report folder, recording each run in
// sweep.json as soon as it ends so an interrupted sweep can be resumed.
import path from 'node:path';
import { type RunConfig } from '../config.js';
import { playbookTexts, type PlaybookPair } from '../playbooks.js';
import { EXIT, LoadrunError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOutcome, TargetInfo } from '../model.js';
import type { SharedTarget } from '../run/orchestrator.js';
import { openTarget } from '../targets/open.js';
import type { TargetHooks } from '../targets/hooks.js';
import { cellLabel, type Cell } from './grid.js';
import { EngineMeter, type RunCpu } from './engine-meter.js';
import { counts, recordRun } from './result.js';
import { runOne } from './run-one.js';
import type { SweepStore } from './state.js';
import { variantFor } from './variants.js';

export interface SweepSettings {
  base: RunConfig;
  parallelCells: number;
  cleanup: boolean;
}

interface Job {
  cell: Cell;
  repeat: number;
}

export class SweepRunner {
  private stopping = false;
  /** The engine's CPU at each run's edges, where its processes can be read and runs go one at a time. */
  private meter: EngineMeter | null = null;
  private readonly stops = new Set<() => void>();
  /** The playbooks every cell's variants start from, read once. */
  private readonly base: PlaybookPair;

  constructor(
    readonly store: SweepStore,
    private readonly s: SweepSettings,
    private readonly life: Lifecycle,
  ) {
    this.base = playbookTexts(s.base);
  }

  requestStop(): void {
    this.stopping = true;
    for (const stop of this.stops) stop();
  }

  /** `resuming: 3 finished run(s) kept, 5 to go`, or null on a fresh sweep. */
  resumeLine(): string | null {
    const left = this.jobs().length;
    const kept = this.store.cells.length * this.store.file.repeat - left;
    return kept ? `resuming: ${kept} finished run(s) kept, ${left} to go` : null;
  }

  /** The repeats each cell still needs (all of them on a fresh sweep). */
  jobs(): Job[] {
    return this.store.cells.flatMap((cell) => {
      const done = new Set(
        this.store
          .runsOf(cell.id)
          .filter(counts)
          .map((r) => r.repeat),
      );
      return Array.from({ length: this.store.file.repeat }, (_, i) => i + 1)
        .filter((r) => !done.has(r))
        .map((repeat) => ({ cell, repeat }));
    });
  }

  async run(): Promise<RunOutcome> {
    let shared: SharedTarget;
    try {
      shared = await this.open();
    } catch (err) {
      this.store.end();
      return { exitCode: err instanceof LoadrunError ? err.exitCode : EXIT.ENVIRONMENT, reason: oneLine(err) };
    }
    await this.openMeter(shared);
    const queue = this.jobs();
    const workers = Array.from({ length: Math.min(this.s.parallelCells, queue.length) }, async () => {
      for (let job = queue.shift(); job && !this.stopping; job = queue.shift()) await this.runJob(job, shared);
    });
    await Promise.all(workers);
    this.store.end();
    return this.outcome();
  }

  private async open(): Promise<SharedTarget> {
    let info: Partial<TargetInfo> = {};
    const hooks: TargetHooks = {
      check: (c) => void (c.verdict !== 'ok' && this.store.log(`${c.name}: ${c.detail}`)),
      log: (source, level, text) => void (level !== 'info' && this.store.log(`${source}: ${text}`)),
      describe: (t) => void (info = { ...info, ...t }),
      degraded: () => {},
      notes: () => {},
    };
    const target = await openTarget(this.s.base, this.life, hooks, () => target.client.reconnect());
    this.store.log(
      `target open: ${info.kind ?? this.s.base.target} ${info.serverUrl ?? ''} (${info.dialect ?? 'unknown dialect'})`,
    );
    return { target, info };
  }

  /** Reads the engine's idle CPU before the first run (a local engine's processes, one run at a time). */
  private async openMeter(shared: SharedTarget): Promise<void> {
    const pods = shared.target.pods;
    if (shared.info.kind === 'sandbox' || this.s.parallelCells > 1 || !pods?.cpuSecondsSoFar) return;
    const meter = new EngineMeter({ cpuSecondsSoFar: (roles) => pods.cpuSecondsSoFar!(roles) });
    if (!(await meter.calibrate())) return;
    this.meter = meter;
    this.store.log(
      `engine CPU per run: read from /proc at each run's edges, less its idle ${Math.round(meter.idleRate! * 1000)}m`,
    );
  }

  /** The run's engine CPU, once the engine has settled after it (null without a meter). */
  private async runCpu(from: { cpu: number; at: number } | null, label: string): Promise<RunCpu | null> {
    if (!this.meter || !from || this.stopping) return null;
    const cpu = await this.meter.since(from);
    if (cpu && !cpu.settled)
      this.store.log(
        `${label}: the engine was still busy ${cpu.settleSeconds} s after the run; its CPU so far counted`,
      );
    return cpu;
  }

  private configFor(job: Job): RunConfig {
    const { cell, repeat } = job;
    const widths = cell.chunkParallelism !== null || cell.workerMaxInFlight !== null;
    const playbooks = widths ? variantFor(this.base.parent, this.base.worker, cell) : undefined;
    // A stalled execution left running would load the next cell's runs: cancel what is open at the end.
    return {
      ...this.s.base,
      params: cell.params,
      preset: null,
      playbooks,
      repeat: 1,
      cancelOnExit: true,
      // A sweep counts stalls: a cell's run ends at its first (waiting out a stall that never ends would
      // cost --timeout per cell).
      stopOnStall: true,
      reportDir: path.join(this.store.dir, cell.id, `run-${repeat}`),
    };
  }

  private async runJob(job: Job, shared: SharedTarget): Promise<void> {
    const config = this.configFor(job);
    const label = `${job.cell.id} ${cellLabel(job.cell)} #${job.repeat}`;
    if (config.playbooks)
      this.store.log(`${label}: variants ${config.playbooks.parent.path} + ${config.playbooks.worker.path}`);
    const t0 = Date.now();
    let stop: (() => void) | undefined;
    try {
      const from = this.meter ? await this.meter.mark() : null;
      const run = await runOne(
        config,
        this.life,
        shared,
        {
          started: (store, s) => {
            stop = s;
            this.stops.add(s);
            if (this.stopping) s();
            this.store.started(job.cell, job.repeat, label, store);
          },
          say: (line) => this.store.log(`${label}: ${line}`),
        },
        this.s.cleanup,
      );
      const rel = path.relative(this.store.dir, config.reportDir);
      const cpu = await this.runCpu(from, label);
      this.store.finished(
        job.cell,
        recordRun(run.store, run.outcome, { repeat: job.repeat, dir: rel, cpu }, config.thresholds.maxDurationSeconds),
        (Date.now() - t0) / 1000,
      );
    } finally {
      if (stop) this.stops.delete(stop);
    }
  }

  /** Interrupted: 130. Else the worst run: an environment failure (3), a failing breach (1), or 0. */
  private outcome(): RunOutcome {
    if (this.stopping)
      return { exitCode: EXIT.INTERRUPTED, reason: `interrupted: resume with sweep --resume ${this.store.dir}` };
    const runs = this.store.cells.flatMap((c) => this.store.runsOf(c.id));
    const env = runs.find((r) => r.exit_code === EXIT.ENVIRONMENT || r.exit_code === EXIT.USAGE);
    if (env) return { exitCode: env.exit_code, reason: env.outcome };
    const breached = runs.filter((r) => r.exit_code === EXIT.BREACHED).length;
    if (breached)
      return {
        exitCode: EXIT.BREACHED,
        reason: `${breached} of ${runs.length} runs breached --fail-on ${this.s.base.thresholds.failOn.join(',') || 'none'}`,
      };
    return {
      exitCode: EXIT.OK,
      reason: `all ${runs.length} runs passed --fail-on ${this.s.base.thresholds.failOn.join(',') || 'none'}`,
    };
  }
}
