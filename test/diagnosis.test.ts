// The diagnosis (issue 13): the rule table on recorded evidence; cluster-only causes through the real
// kubectl against the fake Kubernetes API (OOMKilled, NATS max payload and pool-exhausted log lines);
// each sandbox fault profile diagnosed as itself in a real run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose, RULES, type Evidence } from '../src/diagnosis/rules.js';
import { LOG_PATTERNS, stripAnsi } from '../src/diagnosis/patterns.js';
import { RunStore } from '../src/run/store.js';
import { evidenceOf } from '../src/run/evidence.js';
import { Kubectl } from '../src/targets/cluster/kubectl.js';
import { LogFollower } from '../src/targets/cluster/logs.js';
import { KubectlTop } from '../src/targets/cluster/top.js';
import { DEFAULT_CLUSTER, startFakeKubeApi } from './fakes/kube-api.js';
import { runCli } from './helpers/cli.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';

const base = (over: Partial<Evidence> = {}): Evidence => ({
  mode: 'direct_stress',
  verdict: 'completed',
  stall: null,
  slow: false,
  storedRows: 100,
  expected: 100,
  rowsPerSecond: 5,
  eventsByType: {},
  retriesPerNode: {},
  perNode: {},
  openExecutions: [],
  logHits: {},
  pods: [],
  ...over,
});
const stall = {
  since: 0,
  idleSeconds: 40,
  kind: 'silent' as const,
  eventsSinceProgress: 0,
  maxPersistedItemId: 20,
  storedRows: 20,
  expectedRows: 100,
  iterationsIssued: 40,
  iterationsDone: 20,
  retriesPerNode: {},
  openExecutions: ['1'],
  podMemoryTrend: [],
};
const ids = (e: Evidence) => diagnose(e).causes.map((c) => c.id);

describe('the rule table', () => {
  it('gives every rule a stable kebab-case id, advice with its source, and a title', () => {
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.title.length).toBeGreaterThan(10);
      for (const a of r.advice) expect(a).toMatch(/\(.+\)|kubectl|endpoint|log line/);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it('finds no cause in a clean run, and says "unknown" with the facts for a stall nothing explains', () => {
    expect(diagnose(base())).toEqual({ state: 'completed', causes: [], facts: ['100/100 rows stored, 5.0 rows/s'] });
    const d = diagnose(base({ verdict: 'stalled', stall, storedRows: 20 }));
    expect(d.state).toBe('stalled-silent');
    expect(d.causes.map((c) => c.id)).toEqual(['unknown']);
    expect(d.causes[0].evidence.join(' ')).toContain('no progress for 40s');
  });

  it('names each cause from its evidence, ranked by confidence', () => {
    const maxPayload = { 'nats-max-payload': { count: 2, example: '[worker] nats: maximum payload exceeded' } };
    // The loop state's put refused while events churn and no row is stored: the legacy loop-state cap.
    const churning = { ...stall, kind: 'churning' as const, eventsSinceProgress: 900 };
    expect(ids(base({ verdict: 'stalled', stall: churning, storedRows: 20, logHits: maxPayload }))).toEqual([
      'loop-state-cap',
      'nats-max-payload',
    ]);
    expect(ids(base({ verdict: 'stalled', stall, storedRows: 20, logHits: maxPayload }))).toEqual(['nats-max-payload']);
    expect(
      ids(base({ logHits: { 'pool-exhausted': { count: 1, example: '[server] connection pool exhausted' } } })),
    ).toEqual(['pool-exhausted']);
    expect(
      ids(
        base({
          logHits: {
            'task-retry': {
              count: 7,
              example: "[worker] Message: [TASK_SEQ] Retrying task 'fetch_detail' (attempt 2/4)",
            },
          },
        }),
      ),
    ).toEqual(['http-retries']);
    expect(
      ids(
        base({
          retriesPerNode: { run_direct_stress: 1 },
          pods: [
            {
              ...{ name: 'w-1', role: 'worker', cpuMillicores: 1, memoryBytes: 1, sampledAt: 0 },
              ...{ restarts: 1, lastReason: 'Error', growthMiB: 0, peakMiB: 1 },
            },
          ],
        }),
      ),
    ).toEqual(['worker-lost']);
    const pods = [
      {
        name: 'w-0',
        role: 'worker',
        cpuMillicores: 1,
        memoryBytes: 1,
        sampledAt: 0,
        restarts: 2,
        lastReason: 'OOMKilled',
        growthMiB: 300,
        peakMiB: 900,
      },
    ];
    expect(ids(base({ pods, verdict: 'running' }))).toEqual(['oom-killed', 'memory-growth']);
    // A healthy run keeps only what happened for sure: the OOM kill, not the low-confidence growth.
    expect(ids(base({ pods }))).toEqual(['oom-killed']);
    const starved = base({
      verdict: 'stalled',
      stall,
      perNode: { run_direct_stress: { issued: 40, claimed: 20, started: 20, completed: 20, failed: 0 } },
    });
    expect(ids(starved)).toEqual(['commands-not-claimed']);
    // On Rust every item is issued at once (orchestrate-core src/orchestrator.rs 1825-1829): 20 of 40 waiting
    // for a worker is normal there; a step none of whose commands was claimed is not.
    expect(ids({ ...starved, dispatchAll: true })).toEqual(['unknown']);
    const unclaimed = { run_direct_stress: { issued: 40, claimed: 0, started: 0, completed: 0, failed: 0 } };
    expect(ids({ ...starved, perNode: unclaimed, dispatchAll: true })).toEqual(['commands-not-claimed']);
    expect(
      diagnose(base({ verdict: 'stalled', stall: { ...stall, kind: 'churning', eventsSinceProgress: 900 } })).state,
    ).toBe('stalled-churning');
    expect(diagnose(base({ verdict: 'running', slow: true })).state).toBe('slow');
    const hot = [
      { name: 'srv-0', role: 'server', cpuMillicores: 990, memoryBytes: 1, sampledAt: 0, growthMiB: 0, peakMiB: 1 },
    ];
    expect(ids(base({ verdict: 'stalled', stall, pods: hot }))).toEqual(['cpu-saturation']);
    expect(ids(base({ pods: hot }))).toEqual([]); // busy while progressing is not a cause
    const withTail = diagnose(
      base({ verdict: 'stalled', stall: { ...stall, lastEvents: ['call.done run_direct_stress COMPLETED'] } }),
    );
    expect(withTail.facts).toContain('last events: call.done run_direct_stress COMPLETED');
  });
});

describe.skipIf(!HAS_KUBECTL)('cluster-only causes, real kubectl against the fake Kubernetes API', () => {
  let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
  afterAll(async () => api?.close());

  it('reads an OOMKilled pod, namespace warning events, previous logs, NATS max-payload and pool-exhausted lines into causes', async () => {
    const cluster = DEFAULT_CLUSTER();
    cluster.pods[1] = { ...cluster.pods[1], restarts: 3, lastReason: 'OOMKilled' };
    cluster.pods[2] = {
      ...cluster.pods[2],
      restarts: 1,
      lastReason: 'Error',
      previousLogs: ['INFO worker ready', 'FATAL sqlx: too many connections for role "demo"'],
    };
    cluster.events = [
      {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container main in pod noetl-worker-rust-7c9d4-fghij',
        pod: 'noetl-worker-rust-7c9d4-fghij',
        count: 4,
      },
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: '0/3 nodes are available: 3 Insufficient memory.',
        pod: 'noetl-worker-rust-7c9d4-zzzzz',
        count: 1,
      },
      {
        type: 'Normal',
        reason: 'Pulled',
        message: 'Container image already present',
        pod: 'noetl-worker-rust-7c9d4-abcde',
        count: 1,
      },
    ];
    cluster.pods[0] = {
      ...cluster.pods[0],
      logs: [
        'INFO server started',
        'ERROR publish failed: nats: maximum payload exceeded',
        'ERROR sqlx: connection pool exhausted (timed out)',
      ],
    };
    api = await startFakeKubeApi(cluster);
    const k = new Kubectl({ kubeconfig: api.kubeconfig, namespace: 'noetl', requestTimeoutSeconds: 5 });
    const store = new RunStore({ seedRows: 100, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: null }, [
      { mode: 'direct_stress', expected: 100 },
    ]);
    store.markLaunched('direct_stress', '583461712347136001');
    const top = new KubectlTop(
      k,
      [
        { role: 'server', selector: 'app=noetl-server-rust' },
        { role: 'worker', selector: 'component=worker' },
      ],
      1000,
      (source, level, text) => store.log(source, level, text),
    );
    for (const p of await top.sample()) store.recordPod(p);
    await top.sample(); // a second sample reports nothing twice
    const logs = store.snapshot().logs;
    expect(logs.filter((l) => l.source === 'k8s-events').map((l) => l.text.split(' ')[0])).toEqual([
      'BackOff',
      'FailedScheduling',
    ]);
    expect(logs.filter((l) => l.source === 'worker-previous').map((l) => l.text)).toEqual([
      'noetl-worker-rust-7c9d4-fghij: INFO worker ready',
      'noetl-worker-rust-7c9d4-fghij: FATAL sqlx: too many connections for role "demo"',
    ]);
    const follower = new LogFollower(k, 'server', 'app=noetl-server-rust', (l) => store.log(l.source, l.level, l.text));
    follower.start();
    try {
      for (let i = 0; i < 50 && !store.hits.of('direct_stress')['nats-max-payload']; i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await follower.stop();
    }
    const d = diagnose(evidenceOf(store, 'direct_stress'));
    expect(d.causes.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'oom-killed',
        'nats-max-payload',
        'pool-exhausted',
        'crash-loop',
        'unschedulable',
        'worker-lost',
      ]),
    );
    expect(d.causes.find((c) => c.id === 'pool-exhausted')!.evidence.join(' ')).toMatch(
      /pool exhausted|too many connections/,
    );
    expect(d.causes.find((c) => c.id === 'oom-killed')!.evidence[0]).toMatch(
      /pod noetl-worker-rust-7c9d4-abcde: last state OOMKilled, 3 restart\(s\)/,
    );
    expect(d.causes.find((c) => c.id === 'nats-max-payload')!.evidence[0]).toContain('maximum payload exceeded');
  });
});

describe('each sandbox fault profile diagnosed as itself', () => {
  const SMALL = ['--seed-rows', '60', '--payload-kb', '8', '--batch-size', '15', '--max-batches', '4', '--no-tui'];
  // Each run's folder, removed after the file's tests (they made it; nothing else of /tmp is touched).
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const run = async (args: string[]) => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'loadrun-diag-'));
    made.push(top);
    const dir = path.join(top, 'r');
    const r = await runCli([...args, '--report-dir', dir]);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    return {
      r,
      modes: Object.fromEntries(summary.modes.map((m: { mode: string }) => [m.mode, m])) as Record<
        string,
        { verdict: string; diagnosis: { state: string; causes: Array<{ id: string }> }; stall: { kind: string } | null }
      >,
    };
  };

  it.each(['rust', 'python'])('clean, %s dialect: no cause', async (dialect) => {
    const { r, modes } = await run([...SMALL, '--sandbox-dialect', dialect]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const m of Object.values(modes)) expect(m.diagnosis).toMatchObject({ state: 'completed', causes: [] });
  });

  it('legacy-loop-state: direct_stress stalls, and the cause is the loop-state cap', async () => {
    const { r, modes } = await run([
      '--modes',
      'direct_stress',
      '--seed-rows',
      '80',
      '--payload-kb',
      '128',
      '--sandbox-fault',
      'legacy-loop-state',
      // the later reference-plus-preview state (02-03) on the period's cap: direct stalls, chunks finish
      '--loop-inline-max-bytes',
      '65536',
      '--loop-state-cap-bytes',
      '131072',
      '--stall-seconds',
      '5',
      '--stop-on-stall',
      '--no-tui',
    ]);
    expect(r.code).toBe(1);
    expect(modes.direct_stress.verdict).toBe('stalled');
    expect(modes.direct_stress.diagnosis.state).toMatch(/^stalled-/);
    expect(modes.direct_stress.diagnosis.causes[0].id).toBe('loop-state-cap');
    expect(r.stdout).toMatch(/direct_stress diagnosis: stalled-\w+ — likely loop-state-cap/);
  });

  it('http-errors on Rust: every item failing is a failed iteration, missing, and the endpoint is named', async () => {
    // Rust: the 503 after its attempts is a tool result with an error, command.completed "error", and the
    // loop goes on (noetl/worker src/executor/command.rs 1005-1033); only the exhaustion is logged at
    // RUST_LOG=info (noetl/tools src/tools/task_sequence.rs 633-637).
    const { r, modes } = await run([
      ...['--seed-rows', '12', '--payload-kb', '4', '--no-tui', '--modes', 'direct_stress'],
      ...['--sandbox-fault', 'http-errors', '--http-error-rate', '1'],
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const m = modes.direct_stress as unknown as {
      verdict: string;
      failures: number;
      stored_rows: number;
      missing: { count: number };
      diagnosis: { causes: Array<{ id: string; evidence: string[] }> };
    };
    expect([m.verdict, m.stored_rows, m.missing.count, m.failures]).toEqual(['completed', 0, 12, 12]);
    const cause = m.diagnosis.causes.find((c) => c.id === 'http-retries');
    expect(cause?.evidence.join(' ')).toMatch(/retry exhausted task=fetch_detail/);
    // Each retry is a DEBUG line on Rust: at RUST_LOG=info the count is unknown, not 0.
    expect((m as unknown as { retries_observable: boolean }).retries_observable).toBe(false);
    // The sandbox has no worker whose RUST_LOG one could set: it says so, and names what does log them.
    expect(r.stdout).toMatch(/retries n\/a: retries not counted: the rust dialect logs each retry at DEBUG/);
    expect(r.stdout).not.toMatch(/set RUST_LOG/);
  });

  it('http-errors on Python: retries counted from the INFO lines, and named as the cause', async () => {
    const { r, modes } = await run([
      ...SMALL,
      ...['--modes', 'direct_stress', '--sandbox-dialect', 'python'],
      ...['--sandbox-fault', 'http-errors', '--http-error-rate', '0.3'],
    ]);
    const m = modes.direct_stress as unknown as {
      stored_rows: number;
      retries_per_node: Record<string, number>;
      diagnosis: { causes: Array<{ id: string }> };
    };
    expect(m.retries_per_node['fetch_detail (log)']).toBeGreaterThan(0);
    expect((m as unknown as { retries_observable: boolean }).retries_observable).toBe(true);
    expect(m.diagnosis.causes.map((c) => c.id)).toEqual(['http-retries']);
    expect(r.code).toBe(m.stored_rows === 60 ? 0 : 1);
  });

  it('loop-stops-after-first-window: chunked_optimal stores its first windows and the cause is named with its commits', async () => {
    // noetl/noetl e3ec10a0 (2026-02-24) .. dfca19ed (02-27), noetl-contract §7.8: max_in_flight 3 windows of
    // batch_size rows, then silence; direct_stress (a task-sequence loop) is not affected.
    const { r, modes } = await run([
      ...['--seed-rows', '40', '--payload-kb', '4', '--batch-size', '5', '--max-batches', '6', '--no-tui'],
      ...['--stall-seconds', '6', '--stop-on-stall', '--sandbox-fault', 'loop-stops-after-first-window'],
    ]);
    expect(r.code).toBe(1);
    const chunked = modes.chunked_optimal as unknown as {
      verdict: string;
      stored_rows: number;
      missing: { ranges: number[][] };
      diagnosis: { causes: Array<{ id: string; title: string }> };
    };
    expect([chunked.verdict, chunked.stored_rows, chunked.missing.ranges]).toEqual(['stalled', 15, [[16, 30]]]);
    expect(chunked.diagnosis.causes[0].id).toBe('loop-stopped-issuing');
    expect(chunked.diagnosis.causes[0].title).toMatch(/e3ec10a0.*dfca19ed/);
    expect(modes.direct_stress.verdict).toBe('completed');
  });

  it('child-status-blind: chunked_optimal stores its first windows, then waits on children that ended', async () => {
    // noetl/noetl before 7acf458b (2026-02-23): the playbook tool came back only at its timeout (1200 s).
    const { r, modes } = await run([
      ...['--seed-rows', '40', '--payload-kb', '4', '--batch-size', '5', '--max-batches', '6', '--no-tui'],
      ...[
        '--modes',
        'chunked_optimal',
        '--stall-seconds',
        '6',
        '--stop-on-stall',
        '--sandbox-fault',
        'child-status-blind',
      ],
    ]);
    expect(r.code).toBe(1);
    const chunked = modes.chunked_optimal as unknown as {
      verdict: string;
      stored_rows: number;
      diagnosis: { causes: Array<{ id: string; title: string }> };
    };
    expect([chunked.verdict, chunked.stored_rows]).toEqual(['stalled', 15]);
    expect(chunked.diagnosis.causes[0].id).toBe('child-ended-parent-waits');
    expect(chunked.diagnosis.causes[0].title).toMatch(/7acf458b/);
  });

  it('materializer-stall: rows stored with no event is the event log behind; the run goes on when the backlog lands', async () => {
    // Production's noetl.event is written by the system pool's materializer (noetl-contract §7.5). A stall
    // that ends is an episode (issue #37): the run completes, and the episode keeps what was named.
    const { r, modes } = await run([
      ...['--seed-rows', '60', '--payload-kb', '8', '--modes', 'direct_stress', '--no-tui', '--stall-seconds', '6'],
      ...['--sandbox-fault', 'materializer-stall', '--materializer-stall-after', '100'],
      ...['--materializer-stall-ms', '16000'],
    ]);
    expect(r.code, r.stdout).toBe(1); // a stall is a breach, though it ended
    const m = modes.direct_stress as unknown as {
      verdict: string;
      stored_rows: number;
      stall_episodes: Array<{ cause: string; endedAt: number | null; endedBy: string }>;
    };
    expect([m.verdict, m.stored_rows]).toEqual(['completed', 60]);
    expect(m.stall_episodes.length).toBeGreaterThanOrEqual(1);
    expect(m.stall_episodes[0]).toMatchObject({ cause: 'event-log-behind' });
    expect(m.stall_episodes.every((e) => e.endedAt !== null)).toBe(true);
    expect(modes.direct_stress.diagnosis.causes.map((c) => c.id)).toContain('event-log-behind');
    expect(r.stdout).toMatch(/direct_stress stalled once|direct_stress stalled \d+ times/);
  });

  it('child-status-blind with --child-timeout: each flat window is an episode the playbook tool ends; nothing missing', async () => {
    const { r, modes } = await run([
      ...['--seed-rows', '30', '--payload-kb', '4', '--batch-size', '10', '--max-batches', '3', '--no-tui'],
      ...['--modes', 'chunked_optimal', '--stall-seconds', '3', '--child-timeout', '8s'],
      ...['--sandbox-fault', 'child-status-blind'],
    ]);
    expect(r.code, r.stdout).toBe(1);
    const m = modes.chunked_optimal as unknown as {
      verdict: string;
      stored_rows: number;
      missing: { count: number };
      stall_episodes: Array<{ cause: string; endedBy: string }>;
    };
    expect([m.verdict, m.stored_rows, m.missing.count]).toEqual(['completed', 30, 0]);
    expect(m.stall_episodes.length).toBeGreaterThanOrEqual(1);
    for (const e of m.stall_episodes) {
      expect(e.cause).toBe('child-ended-parent-waits');
      expect(e.endedBy).toMatch(/^the playbook tool's timeout \(\[sandbox\] Sub-playbook \d+ timed out after 8s\)/);
    }
  });

  it('worker-crash: a worker restart', async () => {
    const { r, modes } = await run([
      ...SMALL,
      '--modes',
      'direct_stress',
      '--sandbox-fault',
      'worker-crash',
      '--crash-after-calls',
      '20',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(modes.direct_stress.diagnosis.causes.map((c) => c.id)).toEqual(['worker-lost']);
  });

  it('latency: slow but progressing, not a stall', async () => {
    const { r, modes } = await run([
      ...SMALL,
      '--modes',
      'direct_stress',
      '--sandbox-fault',
      'latency',
      '--latency-ms',
      '2500',
      '--stall-seconds',
      '4',
      '--stop-on-stall',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(modes.direct_stress.stall).toBeNull();
    expect(modes.direct_stress.diagnosis).toMatchObject({ state: 'completed', causes: [] });
  });
});

describe('log patterns on the lines the engines write', () => {
  it('match every sample line of their own, in colour too, and no sample of another pattern but the ones named', () => {
    // A pool timeout is pool exhaustion, not a timeout (noetl-contract §7.2); a retry line is not an error line.
    const overlaps = new Set(['http-error>timeout', 'timeout>http-error']);
    for (const p of LOG_PATTERNS) {
      for (const [line, source] of p.samples) {
        expect(source.length).toBeGreaterThan(5);
        for (const q of LOG_PATTERNS) {
          const hits = q.re.test(stripAnsi(`\x1b[2m2026-12-05T06:00:00Z\x1b[0m \x1b[31m${line}\x1b[0m`));
          // A pattern that supersedes another (child-timeout over timeout) matches its lines, and wins.
          const supersedes = 'supersedes' in p && (p.supersedes as readonly string[]).includes(q.id);
          const allowed = q.id === p.id || supersedes || overlaps.has(`${p.id}>${q.id}`);
          if (!allowed) expect(hits, `${q.id} on a ${p.id} sample: ${line}`).toBe(false);
          if (q.id === p.id) expect(hits, `${p.id} on its sample: ${line}`).toBe(true);
        }
      }
    }
  });
});
