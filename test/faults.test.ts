// Fault suite: the tool keeps working while things go wrong, loses nothing and leaves nothing running.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { api, sandbox, type TestSandbox } from './helpers/sandbox.js';
import { leftovers, ProcessScope } from './helpers/scope.js';
import { startFakeKubeApi } from './fakes/kube-api.js';
import { startFaultProxy } from './fakes/fault-proxy.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';
import { alive } from '../src/sandbox/embedded-pg.js';

const FAKE_KUBECTL = path.join(ROOT, 'test', 'fakes', 'kubectl-fake-pf.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'loadrun-fault-'));
const ndjson = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** Every event id of both modes' executions (parents and chunk-worker children) in the database. */
async function dbEventIds(sb: TestSandbox, parents: string[]): Promise<string[]> {
  const { rows } = await sb.pool.query(
    `SELECT event_id::text AS id FROM noetl.event
     WHERE execution_id = ANY($1::bigint[])
        OR execution_id IN (SELECT execution_id FROM noetl.event WHERE parent_execution_id = ANY($1::bigint[]))
     ORDER BY event_id`,
    [parents],
  );
  return rows.map((r) => r.id);
}

describe.skipIf(!HAS_KUBECTL)('port-forward killed 5 times during a run', () => {
  let kube: Awaited<ReturnType<typeof startFakeKubeApi>>;
  let sb: TestSandbox;
  afterAll(async () => {
    await sb?.close();
    await kube?.close();
  });

  it('reconnects 5 times and the event stream resumes with no gap and no duplicate', async () => {
    kube = await startFakeKubeApi();
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '1500'] });
    const dir = tmp();
    const pidfile = path.join(dir, 'pids');
    writeFileSync(pidfile, '');
    let kills = 0;
    const killer = setInterval(() => {
      const pids = readFileSync(pidfile, 'utf8').trim().split('\n').filter(Boolean);
      // From the launch on (the report folder exists): a kill during preflight would end the run there.
      const launched = existsSync(path.join(dir, 'r', 'events.ndjson'));
      if (launched && kills < 5 && pids.length === kills + 1) {
        kills++;
        try {
          process.kill(Number(pids[pids.length - 1]), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }, 1500);
    const r = await runCli(
      [
        '--target',
        'cluster',
        '--kubectl',
        FAKE_KUBECTL,
        '--kubeconfig',
        kube.kubeconfig,
        '-n',
        'noetl',
        '--seed-rows',
        '120',
        '--payload-kb',
        '16',
        '--no-tui',
        '--report-dir',
        path.join(dir, 'r'),
      ],
      { env: { FAKE_PF_TARGET: new URL(sb.apiUrl).host, FAKE_PF_PIDFILE: pidfile } },
    );
    clearInterval(killer);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(kills).toBe(5);
    expect(readFileSync(pidfile, 'utf8').trim().split('\n').length).toBe(6); // 5 reconnects
    expect((r.stdout.match(/\[port-forward\] svc\/noetl: restarting/g) ?? []).length).toBeGreaterThanOrEqual(5);
    const summary = JSON.parse(readFileSync(path.join(dir, 'r', 'summary.json'), 'utf8'));
    const seen = ndjson(path.join(dir, 'r', 'events.ndjson'))
      .filter((x) => x.kind === 'event')
      .map((x) => x.event_id as string);
    expect(new Set(seen).size).toBe(seen.length); // no duplicate
    const db = await dbEventIds(
      sb,
      summary.modes.map((m: { execution_id: string }) => m.execution_id),
    );
    expect([...seen].sort()).toEqual([...db].sort()); // no gap
  });
});

describe('API answering 500, then hanging for 6 s', () => {
  let sb: TestSandbox;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  afterAll(async () => {
    await proxy?.close();
    await sb?.close();
  });

  it('times out, retries, shows the degraded state and completes the run', async () => {
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '1000'] });
    proxy = await startFaultProxy(sb.apiUrl);
    let armed = false;
    let executes = 0;
    proxy.onRequest((req) => {
      if (req.method === 'POST' && /\/api\/execute$/.test(req.url ?? '')) executes++;
      if (!armed && executes >= 2 && /\/status$/.test(req.url ?? '')) {
        armed = true; // observation has begun: break the API for a while
        proxy.setMode('error500');
        setTimeout(() => proxy.setMode('hang'), 4000);
        setTimeout(() => proxy.setMode('pass'), 10_000);
      }
    });
    const dir = tmp();
    const r = await runCli([
      '--server-url',
      proxy.url,
      '--pg-url',
      sb.pgUrl,
      '--seed-rows',
      '120',
      '--payload-kb',
      '16',
      '--request-timeout',
      '2',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(proxy.counts.error500).toBeGreaterThan(0);
    expect(proxy.counts.hang).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/! degraded: .*HTTP 500/);
    expect(r.stdout).toMatch(/! degraded: .*timed out talking to/);
    expect(r.stdout).toMatch(/direct_stress\s+COMPLETED\s+120\/120/);
    const degraded = ndjson(path.join(dir, 'events.ndjson')).filter((x) => x.kind === 'degraded' && x.message);
    expect(degraded.length).toBeGreaterThan(0);
  });
});

describe('a launch whose answer is lost', () => {
  let sb: TestSandbox;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  afterAll(async () => {
    await proxy?.close();
    await sb?.close();
  });

  it('adopts the execution that started instead of launching it twice', async () => {
    sb = await sandbox();
    proxy = await startFaultProxy(sb.apiUrl);
    proxy.dropNextAnswer(/^\/api\/execute$/);
    const dir = tmp();
    const r = await runCli([
      '--server-url',
      proxy.url,
      '--pg-url',
      sb.pgUrl,
      '--seed-rows',
      '30',
      '--payload-kb',
      '4',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(proxy.dropped).toBe(1);
    expect(r.stdout).toMatch(/launch of \w+ failed on the network .*checking whether it started/);
    expect(r.stdout).toMatch(/\w+ had started as execution \d+/);
    const parents = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE event_type = 'playbook_started' AND parent_execution_id IS NULL`,
    );
    expect(parents.rows[0].n).toBe(2); // one per mode, none twice
  });
});

describe('Postgres connections terminated mid-run', () => {
  let sb: TestSandbox;
  afterAll(async () => sb?.close());

  it('recovers the pool and keeps counting', async () => {
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '800'] });
    const dir = tmp();
    let terminated = 0;
    const killer = setInterval(async () => {
      const { rows } = await sb.pool.query(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'noetl-loadrun'`,
      );
      terminated += rows[0].n;
    }, 1500);
    const r = await runCli([
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--seed-rows',
      '100',
      '--payload-kb',
      '16',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    clearInterval(killer);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(terminated).toBeGreaterThanOrEqual(3);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    for (const m of summary.modes) {
      const { rows } = await sb.dataPool.query(
        `SELECT count(*)::int AS n FROM public.heavy_payload_results WHERE execution_id = $1`,
        [m.execution_id],
      );
      expect(m.stored_rows).toBe(rows[0].n);
      expect(m.stored_rows).toBe(100);
    }
    const samples = ndjson(path.join(dir, 'events.ndjson')).filter((x) => x.kind === 'rows');
    expect(samples.length).toBeGreaterThan(5); // counts continued through the terminations
  });
});

describe('a sandbox worker process killed mid-run', () => {
  let sb: TestSandbox;
  afterAll(async () => sb?.close());

  it('shows it in events and pods and the run completes', async () => {
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '500'] });
    const dir = tmp();
    const before = (await api(sb.apiUrl, 'GET', '/api/sandbox/info')).json.processes
      .filter((p: { role: string }) => p.role === 'python-worker')
      .map((p: { pid: number }) => p.pid);
    // Crash once the run is well under way (rows are being stored), so python calls are still to come.
    let crashed = false;
    const crash = setInterval(async () => {
      if (crashed) return;
      const { rows } = await sb.dataPool
        .query(`SELECT count(*)::int AS n FROM public.heavy_payload_results`)
        .catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0].n >= 40) {
        crashed = true;
        await api(sb.apiUrl, 'POST', '/api/sandbox/crash-worker');
      }
    }, 200);
    const r = await runCli([
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--seed-rows',
      '150',
      '--payload-kb',
      '16',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    clearInterval(crash);
    expect(crashed).toBe(true);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = (await api(sb.apiUrl, 'GET', '/api/sandbox/info')).json;
    expect(after.python_restarts).toBe(1);
    const nowPids = after.processes
      .filter((p: { role: string }) => p.role === 'python-worker')
      .map((p: { pid: number }) => p.pid);
    expect(nowPids.filter((p: number) => !before.includes(p)).length).toBe(1);
    const recs = ndjson(path.join(dir, 'events.ndjson'));
    // The lost command is delivered again and claimed anew: a second command.started for its command id,
    // and no event of a kind no engine writes (no call.error RETRYING; noetl-contract §7.4).
    // Read until the row is there (at most 10 s): the event log is written in batches after the run's end.
    const redelivered = () =>
      sb.pool.query(
        `SELECT execution_id::text AS e FROM noetl.event WHERE event_type = 'command.started' AND meta->>'dispatch' = '2'`,
      );
    let again = await redelivered();
    for (let i = 0; i < 50 && !again.rows.length; i++) {
      await new Promise((res) => setTimeout(res, 200));
      again = await redelivered();
    }
    const dispatches = await sb.pool.query(
      `SELECT meta->>'dispatch' AS d, event_type, count(*)::int AS n FROM noetl.event WHERE event_type IN ('command.started', 'command.failed', 'call.error') GROUP BY 1, 2`,
    );
    expect(
      again.rows.length,
      JSON.stringify(dispatches.rows) + sb.logs.filter((l) => /exited|crash/.test(l)).join(' / '),
    ).toBe(1);
    expect(recs.filter((x) => x.kind === 'event' && x.status === 'RETRYING')).toEqual([]);
    expect(
      recs.some((x) => x.kind === 'event' && x.event_type === 'command.started' && x.execution_id === again.rows[0].e),
    ).toBe(true);
    expect(recs.some((x) => x.kind === 'pod' && x.role === 'python-worker')).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.modes.map((m: { stored_rows: number }) => m.stored_rows)).toEqual([150, 150]);
    // The sandbox's process supervisor says so, as a pod restart would show (the tool reaches it by URL: no logs).
    expect(sb.logs.some((l) => /worker \d+ exited .*restarting it/.test(l))).toBe(true);
  });
});

describe('Ctrl-C and SIGTERM in each phase', () => {
  const phases = ['preflight', 'register', 'launch', 'observe', 'finalize'] as const;
  // Both signals reach the same handler (src/lifecycle.ts 23-24): SIGINT in every phase, SIGTERM in the two
  // where the most is running (the launch's requests, the observer's polls and sampler).
  const cases: Array<readonly [(typeof phases)[number], NodeJS.Signals]> = [
    ...phases.map((p) => [p, 'SIGINT'] as const),
    ['launch', 'SIGTERM'],
    ['observe', 'SIGTERM'],
  ];

  it.each(cases)('%s + %s: exit 130, report written, nothing left running', async (phase, signal) => {
    const scope = new ProcessScope('signal');
    try {
      await signalInPhase(scope, phase, signal);
    } finally {
      scope.dispose();
    }
  });

  async function signalInPhase(
    scope: ProcessScope,
    phase: (typeof phases)[number],
    signal: NodeJS.Signals,
  ): Promise<void> {
    const dir = path.join(tmp(), 'r');
    const child = spawn(
      process.execPath,
      [BIN, '--no-tui', '--seed-rows', '60', '--payload-kb', '8', '--report-dir', dir],
      {
        cwd: ROOT,
        env: scope.env({ CI: 'true', NOETL_LOADRUN_TAIL_WINDOW: '1', NOETL_LOADRUN_TEST_HOLD: `${phase}:20000` }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    for (let i = 0; i < 300 && !out.includes(`test hold: ${phase}`); i++) await sleep(100);
    expect(out).toContain(`test hold: ${phase}`);
    child.kill(signal);
    const code = await exited;
    expect(code, out).toBe(130);
    expect(existsSync(path.join(dir, 'summary.json'))).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.exit_code).toBe(130);
    expect(summary.outcome).toBe('interrupted');
    const state = Object.fromEntries(summary.phases.map((p: { name: string; state: string }) => [p.name, p.state]));
    if (phase !== 'finalize') expect(state[phase]).toBe('failed');
    if (phase === 'observe' || phase === 'finalize')
      expect(summary.modes.every((m: { execution_id: string | null }) => m.execution_id)).toBe(true);
    expect(await leftovers(scope)).toEqual([]);
  }
});

describe('after a SIGKILL', () => {
  // Both starts share one TMPDIR, so they share the stale-cluster registry, and no other test's.
  const scope = new ProcessScope('sigkill');
  afterAll(() => scope.dispose());

  it('the next start cleans the stale sandbox cluster', async () => {
    const first = spawn(process.execPath, [BIN, 'sandbox'], {
      cwd: ROOT,
      env: scope.env({ CI: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    first.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 300 && !out.includes('processes:'); i++) await sleep(100);
    const server = Number(/server (\d+)/.exec(out)?.[1]);
    const postgres = Number(/postgres (\d+)/.exec(out)?.[1]);
    expect(server).toBeGreaterThan(0);
    expect(postgres).toBeGreaterThan(0);
    process.kill(server, 'SIGKILL'); // the sandbox dies without stopping its Postgres
    first.kill('SIGKILL');
    await sleep(500);
    expect(() => process.kill(postgres, 0)).not.toThrow(); // orphaned postmaster still up
    const second = spawn(process.execPath, [BIN, 'sandbox'], {
      cwd: ROOT,
      env: scope.env({ CI: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out2 = '';
    second.stdout.on('data', (d) => (out2 += d));
    const exited = new Promise<number | null>((r) => second.on('close', (c) => r(c)));
    for (let i = 0; i < 300 && !out2.includes('processes:'); i++) await sleep(100);
    expect(out2).toMatch(/cleaned a stale sandbox Postgres cluster \(owner pid \d+ is gone, postmaster \d+ stopped\)/);
    expect(alive(postgres)).toBe(false); // a zombie awaiting its reaper counts as gone
    second.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await leftovers(scope)).toEqual([]);
  });
});
