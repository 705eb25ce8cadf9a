// The run orchestrator: preflight → register → launch (side by side or sequential) → observe → finalize.
// It owns the sources and pushes everything into the store; it never imports a renderer.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { payloadFor, readPlaybookFile, type RunConfig } from '../config.js';
import { envError, EXIT, LoadrunError, oneLine, type ExitCode } from '../errors.js';
import { cmpId, HttpStatusError, NoetlClient, type NoetlEvent } from '../noetl/client.js';
import { TERMINAL_TYPES } from './events.js';
import { BUNDLED, bundledFile } from '../paths.js';
import { redact, registerSecret } from '../redact.js';
import { crossMode, expectedRows, missingPerWindow, rangeCount, type Mode, type ModeDiff } from '../report/missing-items.js';
import { startSandbox, type RunningSandbox } from '../sandbox/supervisor.js';
import { SandboxPods, selfSample, type PodsSource } from '../sources/pods.js';
import { DirectRows, EndpointRows, type RowsSource } from '../sources/rows.js';
import type { Lifecycle } from '../lifecycle.js';
import { StallDetector } from './stall.js';
import { attachCluster, credentialCheck } from '../cluster/attach.js';
import type { Kubectl } from '../cluster/kubectl.js';
import type { PortForward } from '../cluster/port-forward.js';
import { RunStore, type PhaseName } from './store.js';

export interface RunOutcome {
  exitCode: ExitCode;
  reason: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export class Orchestrator {
  readonly store: RunStore;
  client: NoetlClient | undefined;
  rows: RowsSource | undefined;
  sandbox: RunningSandbox | undefined;
  private pods: PodsSource | undefined;
  private kubectl: Kubectl | undefined;
  private forward: PortForward | undefined;
  private readonly stop = new AbortController();
  private stopReason: 'interrupted' | 'user' | null = null;
  private eventsViaSql = false;
  private readonly cursors = new Map<string, string | null>();
  private readonly drained = new Set<string>();
  private parentPath = BUNDLED.parentPath;
  private workerPath = BUNDLED.workerPath;

  constructor(
    readonly config: RunConfig,
    private readonly life: Lifecycle,
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
    this.forward?.restartNow();
    this.client?.reconnect();
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
      await this.phase('register', () => this.register());
      if (this.stopping) throw new Interrupted();
      await this.launchAndObserve();
    } catch (err) {
      failure = err;
    }
    if (failure instanceof Interrupted) failure = undefined;
    if (failure) {
      this.store.log('loadrun', 'error', oneLine(failure));
      for (const m of this.config.modes) {
        if (this.verdictOf(m) === 'pending') this.store.setVerdict(m, 'not-launched', oneLine(failure));
      }
    }
    this.store.setPhase('finalize', 'running');
    try {
      await this.holdForTest('finalize');
      await this.finalize();
      this.store.setPhase('finalize', 'done');
    } catch (err) {
      this.store.setPhase('finalize', 'failed', oneLine(err));
      this.store.log('loadrun', 'error', `finalize: ${oneLine(err)}`);
    }
    this.store.finish();
    if (this.stopReason === 'interrupted') return { exitCode: EXIT.INTERRUPTED, reason: 'interrupted' };
    if (failure) {
      const code = failure instanceof LoadrunError ? failure.exitCode : EXIT.ENVIRONMENT;
      return { exitCode: code, reason: oneLine(failure) };
    }
    return this.verdict();
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

  // ---- preflight ----------------------------------------------------------------------------------

  private async preflight(): Promise<void> {
    const c = this.config;
    let serverUrl = c.serverUrl ?? '';
    let pgUrl = c.pgUrl;
    if (c.target === 'cluster') {
      const r = await this.clusterPreflight();
      serverUrl = r.serverUrl;
      pgUrl = r.pgUrl ?? pgUrl;
    } else if (c.target === 'sandbox') {
      this.store.log('loadrun', 'info', 'starting the embedded sandbox (Postgres, python workers, echo endpoint, NoETL-compatible API)');
      this.sandbox = await startSandbox({
        dialect: c.sandboxDialect,
        faults: c.faults,
        extraArgs: c.sandboxArgs,
        pgUrl: c.pgUrl,
        allowNetwork: c.allowNetwork,
        onLog: (level, msg) => this.store.log('sandbox', level === 'error' ? 'error' : 'info', redact(msg)),
      });
      const sb = this.sandbox;
      this.life.add('sandbox', () => sb.stop());
      void sb.exited.then((code) => {
        if (!this.store.isFinished) this.store.log('sandbox', 'error', `the sandbox process exited (code ${code})`);
      });
      registerSecret(new URL(sb.pgUrl).password);
      serverUrl = sb.apiUrl;
      pgUrl ??= sb.pgUrl;
      this.store.log('loadrun', 'info', `sandbox API ${sb.apiUrl}, Postgres ${sb.pgUrlMasked}, echo ${sb.echoUrl}`);
    }
    const client = new NoetlClient({
      baseUrl: serverUrl,
      token: c.token,
      requestTimeoutMs: c.requestTimeoutMs,
      onRetry: (what, attempt, error) => this.store.setDegraded(`degraded: ${what} failed (${error}); retry ${attempt}`),
    });
    this.client = client;
    this.life.add('http client', () => client.close());
    try {
      await client.detectDialect();
      if (c.target === 'cluster') this.store.check({ name: 'API healthy', verdict: 'ok', detail: `${client.dialect} dialect${client.version ? ` ${client.version}` : ''} at ${serverUrl}` });
    } catch (err) {
      const hint = c.target === 'sandbox' ? 'the sandbox API did not answer' : c.target === 'cluster' ? 'the service is forwarded but NoETL does not answer: kubectl logs the server pod' : 'check --server-url or start a port-forward';
      if (c.target === 'cluster') this.store.check({ name: 'API healthy', verdict: 'fail', detail: oneLine(err), hint });
      throw envError(`NoETL server at ${serverUrl} is unreachable: ${oneLine(err)}`, hint);
    }
    this.store.setDegraded(null);
    if (pgUrl) {
      const direct = new DirectRows(pgUrl);
      this.life.add('postgres pool', () => direct.close());
      await direct.check();
      this.rows = direct;
    } else {
      this.rows = new EndpointRows(client);
      await this.rows.ping().catch((err) => {
        throw envError(`the server's query endpoint failed: ${oneLine(err)}`, 'give --pg-url for a direct connection');
      });
    }
    this.store.setTarget({
      kind: c.target,
      serverUrl,
      dialect: `${client.dialect}${client.version ? ` ${client.version}` : ''}`,
      rowsSource: this.rows.kind === 'direct' ? 'postgres (direct)' : 'query endpoint',
      faults: c.faults,
    });
    if (c.target === 'cluster') {
      await credentialCheck(client, this.store);
    } else if (client.sandbox) {
      this.pods = new SandboxPods(async () => {
        const info = await client.sandboxInfo();
        return (info.processes as Array<{ role: string; name: string; pid: number }>) ?? [];
      });
      this.store.setPodsNote(null);
      this.store.setLogsNote(null);
    } else {
      this.store.setPodsNote('no pods source: the server is reached directly (use --target cluster for kubectl top)');
      this.store.setLogsNote('no logs source: the server is reached directly');
    }
  }

  private async clusterPreflight(): Promise<{ serverUrl: string; pgUrl?: string }> {
    const attached = await attachCluster({
      kube: this.config.kube!,
      pgUrl: this.config.pgUrl,
      requestTimeoutMs: this.config.requestTimeoutMs,
      store: this.store,
      life: this.life,
      onForwardRestored: () => this.client?.reconnect(),
    });
    this.kubectl = attached.kubectl;
    this.forward = attached.forward;
    this.pods = attached.pods;
    return { serverUrl: attached.serverUrl, pgUrl: attached.pgUrl };
  }

  // ---- register -----------------------------------------------------------------------------------

  private async register(): Promise<void> {
    const client = this.client!;
    if (this.config.catalogPath) {
      this.parentPath = this.config.catalogPath;
      this.workerPath = this.config.workerPath ?? this.workerPath;
      const known = await client.catalogPaths();
      for (const p of [this.parentPath, this.workerPath]) {
        if (!known.has(p)) throw new LoadrunError(`catalog path ${JSON.stringify(p)} is not registered on ${client.baseUrl}`, EXIT.USAGE, 'register it first or drop --catalog-path to use the bundled playbooks');
      }
      this.store.setPhase('register', 'running', `using catalog ${this.parentPath} + ${this.workerPath}`);
      return;
    }
    const worker = this.config.workerFile ? readPlaybookFile(this.config.workerFile, '--worker-file') : { text: readFileSync(bundledFile(BUNDLED.workerFile), 'utf8'), path: BUNDLED.workerPath };
    const parent = this.config.playbookFile ? readPlaybookFile(this.config.playbookFile, '--playbook-file') : { text: readFileSync(bundledFile(BUNDLED.parentFile), 'utf8'), path: BUNDLED.parentPath };
    for (const pb of [worker, parent]) {
      const r = await client.register(pb.text);
      this.store.log('loadrun', 'info', `registered ${r.path} version ${r.version}`);
    }
    this.parentPath = parent.path;
    this.workerPath = worker.path;
  }

  // ---- launch + observe ---------------------------------------------------------------------------

  private async launchAndObserve(): Promise<void> {
    const c = this.config;
    const deadline = Date.now() + c.timeoutSeconds * 1000;
    const sampler = this.startPodSampler();
    try {
      // Sequential runs launch and observe one mode at a time; side by side launches both at once.
      const groups = c.sequential ? c.modes.map((m) => [m]) : [c.modes];
      for (const group of groups) {
        if (this.stopping) break;
        await this.phase('launch', () => this.launch(group));
        await this.phase('observe', () => this.observe(group, deadline));
      }
    } finally {
      await sampler();
    }
  }

  private async launch(modes: Mode[]): Promise<void> {
    // Both modes start together with identical parameters (only execution_mode differs).
    const results = await Promise.allSettled(
      modes.map(async (mode) => {
        const id = await this.launchOne(mode);
        this.store.launched(mode, id);
        this.cursors.set(id, null);
        return id;
      }),
    );
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.store.setVerdict(modes[i], 'not-launched', oneLine(r.reason));
    });
    if (failed && results.every((r) => r.status === 'rejected')) throw failed.reason;
  }

  /**
   * Starts one mode. Execute is not idempotent, so a launch that failed on the network (a dropped
   * port-forward mid-request) is never blindly repeated: the payload carries a launch id, and the event
   * log is asked whether that execution started before trying again.
   */
  private async launchOne(mode: Mode): Promise<string> {
    const launchId = randomUUID();
    const payload = { ...payloadFor(mode, this.config, this.workerPath), loadrun_launch_id: launchId };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client!.execute(this.parentPath, payload);
      } catch (err) {
        if (err instanceof HttpStatusError || attempt >= 4 || this.stopping) throw err; // the server answered: final
        this.store.log('loadrun', 'warn', `launch of ${mode} failed on the network (${oneLine(err)}); checking whether it started`);
        await sleep(1000 * attempt, this.stop.signal);
        const started = await this.rows?.launched(launchId).catch(() => undefined);
        if (started) {
          this.store.log('loadrun', 'info', `${mode} had started as execution ${started}`);
          return started;
        }
      }
    }
  }

  private async observe(modes: Mode[], deadline: number): Promise<void> {
    const c = this.config;
    const detectors = new Map(modes.map((m) => [m, new StallDetector(c.stallSeconds, Date.now())]));
    let tick = 0;
    for (;;) {
      const open = modes.filter((m) => this.verdictOf(m) === 'running');
      if (!open.length || this.stopping) break;
      if (Date.now() > deadline) {
        for (const m of open) this.store.setVerdict(m, 'timeout', `--timeout ${c.timeoutSeconds}s reached`);
        break;
      }
      await Promise.all(open.map((m) => this.pollMode(m, tick, detectors.get(m)!)));
      tick++;
      await sleep(c.pollMs, this.stop.signal);
    }
  }

  private verdictOf(mode: Mode) {
    return this.store.modeFacts(mode).verdict;
  }

  private async pollMode(mode: Mode, tick: number, detector: StallDetector): Promise<void> {
    const client = this.client!;
    const rows = this.rows!;
    const parent = this.store.modeFacts(mode).executionId!;
    try {
      const st = await client.status(parent);
      this.store.status(mode, st);
      if (mode === 'chunked_optimal' && tick % 2 === 0) {
        for (const ch of await rows.children([parent])) {
          this.store.childFound(mode, ch.executionId, ch.batchNumber);
          if (!this.cursors.has(ch.executionId)) this.cursors.set(ch.executionId, null);
        }
      }
      await this.pullEvents(mode);
      const stats = await rows.stats(parent);
      this.store.rows(mode, stats);
      this.store.setDegraded(null);
      const snap = this.store.modeFacts(mode);
      const now = Date.now();
      detector.observe(stats.storedRows, snap.eventCount, now);
      if (st.state !== 'running') {
        await this.pullEvents(mode); // drain the tail written with the terminal event
        this.store.setVerdict(mode, st.state);
        return;
      }
      if (detector.stalled(now)) {
        const it = this.store.iterationCounts(mode);
        this.store.stalled(mode, {
          since: detector.since,
          idleSeconds: Math.round((now - detector.since) / 1000),
          maxPersistedItemId: stats.maxItemId,
          storedRows: stats.storedRows,
          expectedRows: snap.expected,
          iterationsIssued: it.issued,
          iterationsDone: it.done,
          retriesPerNode: it.retriesPerNode,
          openExecutions: this.store.openExecutions(mode),
          podMemoryTrend: this.store.podMemoryTrend(),
        });
        this.store.setVerdict(mode, 'stalled');
      }
    } catch (err) {
      if (this.stopping) return;
      this.store.setDegraded(`degraded: ${mode} poll failed: ${oneLine(err)}`);
    }
  }

  /** Pulls new events for every execution of a mode (parent and children) by cursor. */
  private async pullEvents(mode: Mode): Promise<void> {
    const ids = this.store.modeExecutions(mode);
    if (this.eventsViaSql) {
      for (;;) {
        const evs = await this.rows!.eventsAfter(ids, this.sqlCursorFor(mode), 1000);
        if (evs.length) this.sqlCursors.set(mode, evs[evs.length - 1].eventId);
        this.store.events(mode, evs);
        if (evs.length < 1000) return;
      }
    }
    const batch: NoetlEvent[] = [];
    for (const id of ids) {
      if (this.drained.has(id)) continue;
      for (let page = 0; page < 20; page++) {
        let evs: NoetlEvent[];
        try {
          evs = await this.client!.eventsAfter(id, this.cursors.get(id) ?? null, 500);
        } catch (err) {
          if (err instanceof HttpStatusError && err.status === 404 && this.rows) {
            this.eventsViaSql = true; // no events route on this server: read noetl.event by cursor
            this.store.log('loadrun', 'warn', 'the server has no events route; reading noetl.event by SQL cursor');
            return this.pullEvents(mode);
          }
          throw err;
        }
        if (evs.length) this.cursors.set(id, evs[evs.length - 1].eventId);
        batch.push(...evs);
        if (evs.some((e) => TERMINAL_TYPES.has(e.type))) this.drained.add(id);
        if (evs.length < 500) break;
      }
    }
    // One ordered batch across parent and children, so the tail reads in event order.
    this.store.events(mode, batch.sort((a, b) => cmpId(a.eventId, b.eventId)));
  }

  private readonly sqlCursors = new Map<Mode, string>();
  private sqlCursorFor(mode: Mode): string | null {
    return this.sqlCursors.get(mode) ?? null;
  }

  private startPodSampler(): () => Promise<void> {
    const pods = this.pods;
    if (!pods) return async () => {};
    let running = true;
    const loop = (async () => {
      while (running && !this.stopping) {
        try {
          for (const s of await pods.sample()) this.store.pod(s);
          this.store.pod(selfSample());
        } catch (err) {
          this.store.setPodsNote(`pods source error: ${oneLine(err)}`);
        }
        await sleep(pods.intervalMs, this.stop.signal);
      }
    })();
    return async () => {
      running = false;
      await loop;
    };
  }

  // ---- finalize -----------------------------------------------------------------------------------

  private async finalize(): Promise<void> {
    const rows = this.rows;
    const c = this.config;
    const snap = this.store.snapshot();
    const diffs = new Map<Mode, ModeDiff>();
    for (const m of snap.modes) {
      if (!m.executionId || !rows) continue;
      try {
        const stats = await rows.stats(m.executionId);
        this.store.rows(m.mode, stats);
        const missing = await rows.missingRanges(m.executionId, m.expected);
        const d: ModeDiff = {
          mode: m.mode,
          executionId: m.executionId,
          expected: m.expected,
          stored: stats.storedRows,
          missingCount: rangeCount(missing),
          missing,
          windows: missingPerWindow(missing, c.params),
        };
        diffs.set(m.mode, d);
        this.store.diff(m.mode, d);
        if (m.verdict === 'completed') this.store.summarize(m.mode, await rows.summarize(m.executionId).catch(() => null));
      } catch (err) {
        this.store.log('loadrun', 'error', `final counts for ${m.mode}: ${oneLine(err)}`);
      }
    }
    this.store.setCross(crossMode(diffs.get('direct_stress'), diffs.get('chunked_optimal')) ?? null);
    if (c.cancelOnExit && this.client) {
      for (const m of this.store.snapshot().modes) {
        if (!m.executionId || ['completed', 'failed', 'cancelled', 'not-launched'].includes(m.verdict)) continue;
        for (const id of [m.executionId, ...m.openExecutions.filter((x) => x !== m.executionId)]) {
          const ok = await this.client.cancel(id).catch(() => false);
          this.store.log('loadrun', ok ? 'info' : 'warn', `${ok ? 'cancelled' : 'could not cancel'} execution ${id} (${m.mode})`);
        }
      }
    }
  }

  /** What observing cost: calls the tool made to the server, the database and kubectl. */
  observerStats(): Record<string, unknown> {
    const seconds = (Date.now() - this.store.startedAt) / 1000;
    const api = this.client?.calls ?? 0;
    const sql = this.rows?.queries ?? 0;
    return {
      observer: {
        seconds: Math.round(seconds * 10) / 10,
        api_calls: api,
        sql_queries: sql,
        kubectl_calls: this.kubectl?.calls ?? 0,
        api_calls_per_second: Math.round((api / Math.max(1, seconds)) * 100) / 100,
        sql_queries_per_second: Math.round((sql / Math.max(1, seconds)) * 100) / 100,
      },
    };
  }

  verdict(): RunOutcome {
    const snap = this.store.snapshot();
    const problems: string[] = [];
    for (const m of snap.modes) {
      if (m.verdict !== 'completed') problems.push(`${m.mode} ${m.verdict.toUpperCase()}`);
      if (m.diff && m.diff.missingCount > 0) problems.push(`${m.mode} missing ${m.diff.missingCount}`);
      if (m.failures > 0) problems.push(`${m.mode} ${m.failures} failures`);
    }
    return problems.length ? { exitCode: EXIT.BREACHED, reason: problems.join('; ') } : { exitCode: EXIT.OK, reason: 'all modes complete, nothing missing' };
  }
}

class Interrupted extends Error {}
