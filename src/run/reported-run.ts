// One run and its reports, the protocol `run` and every run of a sweep share: the orchestrator, its
// ReportWriter attached to the store with the run's header record, the report folder made once something
// was launched, the outcome recorded as soon as it is known, summary.json and report.md written on every
// exit path (a forced exit included) unless the run failed before it launched anything, and the rows
// deleted afterwards when asked (--cleanup).
import type { RunConfig } from '../config.js';
import { EXIT } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOutcome } from '../model.js';
import { ReportWriter } from '../render/reports.js';
import { Orchestrator, type SharedTarget } from './orchestrator.js';

export class ReportedRun {
  readonly orch: Orchestrator;
  readonly reports: ReportWriter;
  outcome: RunOutcome = { exitCode: EXIT.INTERRUPTED, reason: 'interrupted before the end of the run' };
  private readonly unwatch: () => void;

  /**
   * `keepFailedStart`: write the reports of a run that failed before launching too (a sweep links every
   * run's folder from its tables; `run` leaves none behind for a run that never started).
   */
  constructor(
    config: RunConfig,
    life: Lifecycle,
    shared?: SharedTarget,
    private readonly keepFailedStart = false,
  ) {
    this.orch = new Orchestrator(config, life, shared);
    this.reports = new ReportWriter(config.reportDir);
    this.reports.attach(this.orch.store);
    this.orch.store.recordRunHeader('noetl-loadrun');
    // The folder appears once something was launched (or adopted): a launch the server refused leaves none.
    this.unwatch = this.orch.store.subscribe(() => {
      if (this.orch.store.launchedAny()) this.reports.open();
    });
    process.once('exit', this.lastResort);
  }

  /** A forced exit (a second Ctrl-C): the report still says what was known. */
  private readonly lastResort = () => {
    if (this.reports.hasWritten || this.failedBeforeLaunch()) return;
    try {
      this.reports.write(this.orch.store.snapshot(), this.outcome);
    } catch {
      /* nothing more can be done at exit */
    }
  };

  /** The run could not start: a usage or environment failure before any mode was launched. */
  failedBeforeLaunch(outcome = this.outcome): boolean {
    if (this.keepFailedStart) return false;
    const launched = this.orch.store.snapshot().modes.some((m) => m.executionId);
    return !launched && (outcome.exitCode === EXIT.USAGE || outcome.exitCode === EXIT.ENVIRONMENT);
  }

  /** The outcome is known: kept in the records (events.ndjson) at once. */
  settle(outcome: RunOutcome): void {
    this.outcome = outcome;
    this.settledAt = this.orch.store.recordOutcome(outcome);
  }
  /** When the outcome was recorded: the reports' end, as a rebuild from the records finds it. */
  private settledAt: number | undefined;

  /** Runs the orchestrator (no renderer) to its outcome, settled whatever happens. */
  async run(): Promise<RunOutcome> {
    try {
      this.settle(await this.orch.run());
    } catch (err) {
      this.settle(this.outcome);
      throw err;
    }
    return this.outcome;
  }

  /** summary.json, report.md and the rest, unless nothing was launched. */
  async finish(): Promise<void> {
    this.unwatch();
    process.removeListener('exit', this.lastResort);
    if (!this.failedBeforeLaunch())
      this.reports.write(this.orch.store.snapshot(this.settledAt), this.outcome, this.orch.observerStats());
    await this.reports.close();
  }

  /** --cleanup: the run's rows deleted, unless nothing was launched. */
  async cleanup(say: (line: string) => void): Promise<void> {
    if (!this.failedBeforeLaunch()) await this.orch.cleanup(say);
  }
}
