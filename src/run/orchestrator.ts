// The run orchestrator: preflight (open the target) → register → launch (side by side or sequential) → observe
// → finalize. It owns the phases and the stop request and pushes everything into the store; the work of each
// phase lives beside it (targets/open, launch, observe, finalize). It never imports a renderer.
import { payloadFor, type RunConfig } from '../config.js';
import { EXIT, LoadrunError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Mode, PhaseName, RunOutcome, TargetInfo } from '../model.js';
import { expectedRows } from '../diff/missing-items.js';
import { BUNDLED } from '../paths.js';
import { EventFeed } from '../sources/event-feed.js';
import type { TargetHooks } from '../targets/hooks.js';
import type { OpenedTarget } from '../targets/open.js';
import { cleanupRows } from './cleanup.js';
import { finalizeDiffs, observerStats, verdictOf } from './finalize.js';
import { leaveEngine } from './after-end.js';
import { checkLeftRunning } from './left-running.js';
import { adoptExecutions } from './adopt.js';
import { launchMode, tablesFirst } from './launch.js';
import { registerPair } from './register.js';
import { drainTail, observe } from './observe.js';
import { samplePods } from './sample-pods.js';
import { sleep } from './sleep.js';
import { SelfCost } from './self-cost.js';
import { RunStore } from './store.js';

/** An opened target handed to each run of a sweep, with what its header shows. */
export interface SharedTarget {
  target: OpenedTarget;
  info: Partial<TargetInfo>;
}

class Interrupted extends Error {}

export class Orchestrator {
  readonly store: RunStore;
  /** The tool's own cost while it observes (and, under the TUI, draws). */
  readonly cost = new SelfCost();
  /** When the run itself ended (a TUI may keep its final screen long after). */
  private endedAt: number | undefined;
  private target: OpenedTarget | undefined;
  private watched: Mode[] = [];
  private feed?: EventFeed;
  private readonly stop = new AbortController();
  private stopReason: 'interrupted' | 'user' | null = null;
  private parentPath = BUNDLED.parentPath;
  private workerPath = BUNDLED.workerPath;

  /** `shared`: a target already opened by the caller (a sweep's runs share one), left open at the end. */
  constructor(
    readonly config: RunConfig,
    private readonly life: Lifecycle,
    private readonly shared?: SharedTarget,
  ) {
    this.store = new RunStore(
      { ...config.params, preset: config.preset },
      config.modes.map((mode) => ({ mode, expected: expectedRows(mode, config.params) })),
    );
  }

  /** Graceful stop: end observation and finalize with what is known. */
  requestStop(reason: 'interrupted' | 'user'): void {
    this.stopReason ??= reason;
    this.stop.abort();
  }

  /** User intent: drop pooled connections and poll again now. */
  reconnect(): void {
    this.target?.forward?.restartNow();
    this.target?.client.reconnect();
    this.store.log('loadrun', 'info', 'reconnecting to the server');
    this.store.setDegraded(null);
  }

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  async run(): Promise<RunOutcome> {
    let failure: unknown;
    try {
      await this.phase('preflight', () => this.preflight());
      if (this.config.watch) {
        await this.phase('register', () => this.adopt());
        if (this.stopping) throw new Interrupted();
        await this.launchAndObserve(this.watched);
      } else {
        await this.phase('register', () => this.register());
        if (this.stopping) throw new Interrupted();
        await this.launchAndObserve(this.config.modes);
      }
    } catch (err) {
      failure = err instanceof Interrupted ? undefined : err;
    }
    if (failure) {
      this.store.log('loadrun', 'error', oneLine(failure));
      for (const m of this.store.snapshot().modes.map((x) => x.mode))
        if (this.store.modeFacts(m).verdict === 'pending') this.store.setVerdict(m, 'not-launched', oneLine(failure));
    }
    const unmeasured = await this.finalize();
    this.endedAt = Date.now();
    this.store.finish();
    if (this.stopReason === 'interrupted') return { exitCode: EXIT.INTERRUPTED, reason: 'interrupted' };
    if (failure)
      return {
        exitCode: failure instanceof LoadrunError ? failure.exitCode : EXIT.ENVIRONMENT,
        reason: oneLine(failure),
      };
    // Counts that could not be read are an environment problem, never "nothing missing".
    if (unmeasured.length) return { exitCode: EXIT.ENVIRONMENT, reason: unmeasured.join('; ') };
    return verdictOf(this.store, this.config.thresholds);
  }

  private async phase(name: PhaseName, fn: () => Promise<void>): Promise<void> {
    if (this.stopping && name !== 'preflight') throw new Interrupted();
    this.store.setPhase(name, 'running');
    await this.holdForTest(name);
    if (this.stopping) {
      this.store.setPhase(name, 'failed', 'interrupted');
      throw new Interrupted();
    }
    try {
      await fn();
      this.store.setPhase(name, this.stopping ? 'failed' : 'done', this.stopping ? 'interrupted' : '');
    } catch (err) {
      this.store.setPhase(name, 'failed', oneLine(err));
      throw err;
    }
  }

  /**
   * Fault tests only: NOETL_LOADRUN_TEST_HOLD=<phase>:<ms> keeps a phase open so a signal lands in it
   * deterministically. An interrupt ends the hold at once.
   */
  private async holdForTest(name: PhaseName): Promise<void> {
    const m = /^(\w+):(\d+)$/.exec(process.env.NOETL_LOADRUN_TEST_HOLD ?? '');
    if (m && m[1] === name) {
      this.store.log('loadrun', 'info', `test hold: ${name} held for ${m[2]} ms`);
      await sleep(Number(m[2]), this.stop.signal);
    }
  }

  private hooks(): TargetHooks {
    const s = this.store;
    return {
      check: (c) => s.addCheck(c),
      log: (source, level, text) => s.log(source, level, text),
      describe: (t) => s.setTarget(t),
      degraded: (msg) => s.setDegraded(msg),
      notes: (n) => s.setNotes(n),
    };
  }

  private async preflight(): Promise<void> {
    if (this.shared) {
      this.target = this.shared.target;
      this.store.setTarget(this.shared.info);
      this.store.log('loadrun', 'info', `reusing the open target ${this.shared.target.client.baseUrl}`);
      return;
    }
    const { openTarget } = await import('../targets/open.js'); // not at start: the first frame does not wait
    this.target = await openTarget(this.config, this.life, this.hooks(), () => this.target?.client.reconnect());
    const left = await checkLeftRunning(this.target.client.baseUrl, this.target.rows, Date.now()).catch(
      () => undefined,
    );
    if (left) this.store.addCheck(left);
    void this.target.sandbox?.exited.then((code) => {
      if (!this.store.isFinished) this.store.log('sandbox', 'error', `the sandbox process exited (code ${code})`);
    });
  }

  private async register(): Promise<void> {
    const paths = await registerPair(this.target!.client, this.config, this.store, this.workerPath);
    this.parentPath = paths.parentPath;
    this.workerPath = paths.workerPath;
  }

  /** watch: take over executions started elsewhere instead of registering and launching. */
  private async adopt(): Promise<void> {
    this.watched = await adoptExecutions(this.store, this.target!.rows, this.config.watch!);
    this.store.setPhase('register', 'running', 'watching executions started elsewhere');
  }

  private async launchAndObserve(modes: Mode[]): Promise<void> {
    const c = this.config;
    const t = this.target!;
    const deadline = Date.now() + c.timeoutSeconds * 1000;
    const stopSampling = samplePods(this.store, t.pods, this.stop.signal);
    const feed = new EventFeed(t.client, t.rows, (msg) => this.store.log('loadrun', 'warn', msg), c.tailWindowMs);
    this.feed = feed;
    const ctx = {
      store: this.store,
      client: t.client,
      rows: t.rows,
      feed,
      signal: this.stop.signal,
      stallSeconds: c.stallSeconds,
      stopOnStall: c.stopOnStall,
      pollMs: c.pollMs,
      cost: this.cost,
    };
    try {
      // Sequential runs launch and observe one mode at a time; side by side launches both at once.
      for (const group of c.sequential ? modes.map((m) => [m]) : [modes]) {
        if (this.stopping) break;
        if (c.watch) this.store.setPhase('launch', 'skipped', 'watching');
        else await this.phase('launch', () => this.launch(group));
        await this.phase('observe', async () => {
          await observe(ctx, group, deadline, `${c.timeoutSeconds}s`);
          await drainTail(ctx, group);
        });
      }
    } finally {
      await stopSampling();
    }
  }

  private async launch(modes: Mode[]): Promise<void> {
    const t = this.target!;
    const ctx = {
      client: t.client,
      rows: t.rows,
      signal: this.stop.signal,
      log: (level: 'info' | 'warn', text: string) => this.store.log('loadrun', level, text),
    };
    // Both modes start together with identical parameters (only execution_mode differs), except on a data database
    // without the fixture's tables: two `CREATE TABLE IF NOT EXISTS` of one table at once collide in Postgres
    // (unique violation on pg_type, seen on the real Python engine): the second waits for the first's prepare.
    const wait = modes.length > 1 ? await tablesFirst(ctx, modes[0]) : undefined;
    const launches: Array<Promise<string>> = [];
    for (const [i, mode] of modes.entries())
      launches.push(
        (async () => {
          if (i > 0 && wait) {
            // Shown in the mode's column, not only the logs panel: its clock starts later than the other's.
            this.store.setWaiting(mode, `waiting for ${modes[0]}'s tables`);
            await wait(launches[0]).finally(() => this.store.setWaiting(mode, null));
          }
          const payload = payloadFor(mode, this.config.params, this.workerPath, this.config.workload);
          const id = await launchMode(ctx, mode, this.parentPath, payload);
          this.store.markLaunched(mode, id);
          return id;
        })(),
      );
    const results = await Promise.allSettled(launches);
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.store.setVerdict(modes[i], 'not-launched', oneLine(r.reason));
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && results.every((r) => r.status === 'rejected')) throw failed.reason;
  }

  private async finalize(): Promise<string[]> {
    this.store.setPhase('finalize', 'running');
    try {
      await this.holdForTest('finalize');
      const t0 = performance.now();
      const unmeasured = await finalizeDiffs(this.store, this.target?.rows, this.store.params);
      this.cost.diff(performance.now() - t0);
      if (this.target) await leaveEngine(this.store, this.target, this.config, this.stop.signal);
      this.store.setPhase('finalize', unmeasured.length ? 'failed' : 'done', unmeasured.join('; '));
      return unmeasured;
    } catch (err) {
      this.store.setPhase('finalize', 'failed', oneLine(err));
      this.store.log('loadrun', 'error', `finalize: ${oneLine(err)}`);
      return [`finalize: ${oneLine(err)}`];
    }
  }

  /** --cleanup: deletes this run's rows from the fixture's tables (after the report is written). */
  async cleanup(say: (s: string) => void): Promise<void> {
    const ids = this.store
      .snapshot()
      .modes.map((m) => m.executionId)
      .filter((x): x is string => Boolean(x));
    if (!ids.length || !this.target) return;
    await cleanupRows(this.target.rows, ids, true, say).catch((err) => say(`cleanup failed: ${oneLine(err)}`));
  }

  /** What observing cost: calls the tool made to the server, the database and kubectl. */
  observerStats(): Record<string, unknown> {
    const t = this.target;
    return observerStats(
      this.store.startedAt,
      this.endedAt ?? Date.now(),
      { api: t?.client.calls ?? 0, sql: t?.rows.queries ?? 0, kubectl: t?.kubectl?.calls ?? 0 },
      this.cost,
      this.feed?.figures(),
    );
  }
}
