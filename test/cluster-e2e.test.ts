// `--target cluster` end to end: the REAL kubectl against the FAKE Kubernetes API for preflight, top and
// logs; the FAKE port-forward proxies to a real sandbox standing in for the cluster's NoETL. The run gets
// the same verdicts and diff as the sandbox target, and survives the forward being killed mid-run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliResult } from './helpers/cli.js';
import { ProcessScope } from './helpers/scope.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';
import { DEFAULT_CLUSTER, startFakeKubeApi } from './fakes/kube-api.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';

const FAKE_KUBECTL = path.join(ROOT, 'test', 'fakes', 'kubectl-fake-pf.mjs');
const PARAMS = ['--seed-rows', '80', '--payload-kb', '32', '--batch-size', '20', '--max-batches', '4', '--no-tui'];
const diffSection = (out: string) => out.slice(out.indexOf('Missing items:'), out.indexOf('Report:')).trim();

describe.skipIf(!HAS_KUBECTL)('--target cluster through a fake port-forward', () => {
  let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
  let sb: TestSandbox;
  let cluster: CliResult;
  let local: CliResult;
  let dir: string;
  let pidfile: string;

  const scope = new ProcessScope('cluster-e2e');
  beforeAll(async () => {
    // Production labels (noetl-contract §6.5): the embedded server StatefulSet, and Postgres beside NoETL.
    const fake = DEFAULT_CLUSTER();
    fake.pods[0] = {
      ...fake.pods[0],
      name: 'noetl-server-rust-embedded-0',
      labels: { app: 'noetl-server-rust-embedded', component: 'server', runtime: 'rust' },
    };
    api = await startFakeKubeApi(fake);
    // Latency keeps the run going well past the moment the forward is killed, however loaded the machine.
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '1000'] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-cluster-'));
    pidfile = path.join(dir, 'pf.pids');
    writeFileSync(pidfile, '');
    const env = scope.env({ FAKE_PF_TARGET: new URL(sb.apiUrl).host, FAKE_PF_PIDFILE: pidfile });
    // Kill the first forward a few seconds into the run: the supervisor must restart it and the run go on.
    let killed = false;
    const killer = setInterval(() => {
      const pids = readFileSync(pidfile, 'utf8').trim().split('\n').filter(Boolean);
      if (!killed && pids.length === 1) {
        killed = true;
        setTimeout(() => {
          try {
            process.kill(Number(pids[0]), 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, 3000);
      }
    }, 200);
    cluster = await runCli(
      [
        '--target',
        'cluster',
        '--kubectl',
        FAKE_KUBECTL,
        '--kubeconfig',
        api.kubeconfig,
        '--context',
        'fake',
        '-n',
        'noetl',
        '--top-interval',
        '1',
        ...PARAMS,
        '--report-dir',
        path.join(dir, 'cluster'),
      ],
      { env },
    );
    clearInterval(killer);
    local = await runCli([...PARAMS, '--report-dir', path.join(dir, 'sandbox')]);
  });
  afterAll(async () => {
    scope.dispose();
    await sb?.close();
    await api?.close();
  });

  it('passes the cluster preflight with a verdict per check', () => {
    expect(cluster.stderr).toBe('');
    for (const check of [
      'kubectl on PATH',
      'kube context: fake',
      'cluster answers',
      'namespace: noetl',
      'NoETL service: svc/noetl:8082',
      'server pods: 1 with app=noetl-server-rust-embedded',
      'worker pods: 2 with component=worker',
      'port-forward: http://127.0.0.1:',
      'API healthy: rust dialect',
    ]) {
      expect(cluster.stdout).toContain(`✓ ${check}`);
    }
  });

  it('gets the same verdicts and diff as the sandbox target', () => {
    expect(cluster.code).toBe(0);
    expect(local.code).toBe(0);
    expect(cluster.stdout).toMatch(/direct_stress\s+COMPLETED\s+80\/80/);
    expect(cluster.stdout).toMatch(/chunked_optimal\s+COMPLETED\s+80\/80/);
    expect(diffSection(cluster.stdout)).toBe(diffSection(local.stdout));
  });

  it('survives the port-forward being killed mid-run', () => {
    const pids = readFileSync(pidfile, 'utf8').trim().split('\n').filter(Boolean);
    expect(pids.length).toBeGreaterThanOrEqual(2); // the supervisor started a second forward
    expect(cluster.stdout).toMatch(/\[port-forward\] svc\/noetl: restarting/);
  });

  it('shows cluster pods from kubectl top and server logs, and leaves nothing running', () => {
    const summary = JSON.parse(readFileSync(path.join(dir, 'cluster', 'summary.json'), 'utf8'));
    // Rows from the data database of the pg_k8s credential (here the sandbox's demo_noetl, reached directly).
    expect(summary.target.kind).toBe('cluster');
    expect(summary.target.rowsSource).toMatch(/^demo_noetl on 127\.0\.0\.1:\d+ \(credential pg_k8s\)$/);
    expect(summary.pods.map((p: { name: string; role: string }) => `${p.role}:${p.name}`)).toEqual(
      expect.arrayContaining([
        'server:noetl-server-rust-embedded-0',
        'worker:noetl-worker-rust-7c9d4-abcde',
        'postgres:postgres-0',
      ]),
    );
    const events = readFileSync(path.join(dir, 'cluster', 'events.ndjson'), 'utf8');
    expect(events).toContain('ERROR event write failed: timeout');
    expect(summary.preflight_checks.length).toBeGreaterThanOrEqual(9);
    expect(summary.preflight_checks.map((c: { name: string }) => c.name)).toContain('query endpoint');
    // The test's own sandbox is still up (it plays the cluster's server); nothing the CLI started is.
    expect(
      scope.running().filter((l) => /noetl-loadrun\.js|kubectl-fake-pf|kubectl .*logs -f|sleep 1000/.test(l)),
    ).toEqual([]);
  });
});
