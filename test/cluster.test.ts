// Cluster mode: parsers on real output formats; the REAL kubectl against a small FAKE Kubernetes API
// (preflight verdicts, kubectl top, kubectl logs); the port-forward supervisor with a FAKE kubectl that
// stands in only for port-forward (readiness, restart on the same port, process-group kill).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../src/targets/cluster/kubectl.js';
import { classifyLog, LogFollower, parseLogLine } from '../src/targets/cluster/logs.js';
import { parseForwarding, PortForward } from '../src/targets/cluster/port-forward.js';
import { clusterPreflight, parseService, PreflightFailed } from '../src/targets/cluster/preflight.js';
import type { Check } from '../src/model.js';
import { KubectlTop, parseCpu, parseMemory, parseTop } from '../src/targets/cluster/top.js';
import { parsePgForward } from '../src/config.js';
import { ROOT } from './helpers/cli.js';
import { startFakeKubeApi } from './fakes/kube-api.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';

const FAKE_KUBECTL = path.join(ROOT, 'test', 'fakes', 'kubectl-fake-pf.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('parsers', () => {
  it('reads kubectl top units', () => {
    expect(parseCpu('1200m')).toBe(1200);
    expect(parseCpu('2')).toBe(2000);
    expect(parseCpu('0.5')).toBe(500);
    expect(parseCpu('250000000n')).toBe(250);
    expect(parseCpu('1500u')).toBe(2);
    expect(parseCpu('abc')).toBeNull();
    expect(parseMemory('1843Mi')).toBe(1843 * 1048576);
    expect(parseMemory('1Gi')).toBe(1073741824);
    expect(parseMemory('512Ki')).toBe(524288);
    expect(parseMemory('100M')).toBe(100e6);
    expect(parseMemory('12345')).toBe(12345);
    expect(parseMemory('1Xi')).toBeNull();
    const rows = parseTop(
      'NAME                            CPU(cores)   MEMORY(bytes)\nnoetl-server-rust-6d5f8-x2x9q   1200m        1843Mi\n',
      'server',
      5,
    );
    expect(rows).toEqual([
      {
        name: 'noetl-server-rust-6d5f8-x2x9q',
        role: 'server',
        cpuMillicores: 1200,
        memoryBytes: 1843 * 1048576,
        sampledAt: 5,
      },
    ]);
  });
  it('reads the port-forward readiness line, including a random local port', () => {
    expect(parseForwarding('Forwarding from 127.0.0.1:41235 -> 8082')).toEqual({ local: 41235, remote: 8082 });
    expect(parseForwarding('Forwarding from [::1]:41235 -> 8082')).toBeUndefined();
    expect(parseForwarding('Handling connection for 41235')).toBeUndefined();
  });
  it('reads kubectl logs --timestamps --prefix lines', () => {
    expect(
      parseLogLine('[pod/noetl-server-rust-6d5f8-x2x9q/main] 2026-11-27T10:00:01.000000000Z WARN retry 1/3'),
    ).toEqual({
      pod: 'noetl-server-rust-6d5f8-x2x9q',
      timestamp: '2026-11-27T10:00:01.000000000Z',
      text: 'WARN retry 1/3',
    });
    expect(parseLogLine('2026-11-27T10:00:01.5Z hello')).toEqual({
      pod: null,
      timestamp: '2026-11-27T10:00:01.5Z',
      text: 'hello',
    });
    expect(classifyLog('ERROR event write failed')).toBe('error');
    expect(classifyLog('retry 2/4 for http')).toBe('warn');
    expect(classifyLog('all good')).toBe('info');
  });
  it("reads a line's own level, colour codes stripped first (a Rust service logs its level in colour; issue #38)", () => {
    const rust = (level: string, msg: string) =>
      `\x1b[2m2026-12-05T06:00:00.000000Z\x1b[0m \x1b[31m${level}\x1b[0m \x1b[2mnoetl_worker::worker\x1b[0m\x1b[2m:\x1b[0m ${msg}`;
    // The ERROR record of a failed command: no word boundary before ERROR while the colour codes are there.
    expect(
      classifyLog(rust('ERROR', 'Command execution failed step=run error=HTTP error: error sending request')),
    ).toBe('error');
    expect(classifyLog(rust('ERROR', 'Command execution ended'))).toBe('error');
    // An INFO record that mentions a retry or a failure is still INFO.
    expect(classifyLog(rust('INFO', 'task_sequence retry policy loaded; failed=0'))).toBe('info');
    expect(classifyLog('2026-12-06T14:47:05.959309 [WARNING]  /venv/noetl/worker.py:10')).toBe('warn');
  });
  it('reads service and pg-forward references', () => {
    expect(parseService('svc/noetl:8082')).toEqual({ resource: 'svc/noetl', name: 'noetl', port: 8082 });
    expect(parseService('noetl-server-rust')).toEqual({
      resource: 'svc/noetl-server-rust',
      name: 'noetl-server-rust',
      port: undefined,
    });
    expect(() => parseService('svc/Bad_Name')).toThrow(/not a service reference/);
    expect(parsePgForward('postgres/svc/postgres:5432', 'noetl')).toEqual({
      namespace: 'postgres',
      resource: 'svc/postgres',
      port: 5432,
    });
    expect(parsePgForward('svc/postgres:5432', 'noetl')).toEqual({
      namespace: 'noetl',
      resource: 'svc/postgres',
      port: 5432,
    });
    expect(() => parsePgForward('postgres:5432', 'noetl')).toThrow(/NAMESPACE\/svc\/NAME:PORT/);
  });
});

describe.skipIf(!HAS_KUBECTL)('real kubectl against a fake Kubernetes API', () => {
  let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
  let k: Kubectl;
  beforeAll(async () => {
    api = await startFakeKubeApi();
    k = new Kubectl({ kubeconfig: api.kubeconfig, namespace: 'noetl', requestTimeoutSeconds: 5 });
  });
  afterAll(async () => api?.close());

  it('passes preflight with a verdict per check', async () => {
    const seen: Check[] = [];
    const facts = await clusterPreflight(k, { context: 'fake', onCheck: (c) => seen.push(c) });
    expect(seen.map((c) => [c.name, c.verdict])).toEqual([
      ['kubectl on PATH', 'ok'],
      ['kube context', 'ok'],
      ['cluster answers', 'ok'],
      ['namespace', 'ok'],
      ['NoETL service', 'ok'],
      ['server pods', 'ok'],
      ['worker pods', 'ok'],
    ]);
    expect(facts).toMatchObject({
      serviceResource: 'svc/noetl',
      servicePort: 8082,
      generation: 'rust',
      serverSelector: 'app=noetl-server-rust',
      workerSelector: 'component=worker',
    });
  });

  it('falls back to svc/noetl-server-rust and to the Python generation labels', async () => {
    api.cluster.services = [{ name: 'noetl-server-rust', ports: [8082] }];
    const saved = api.cluster.pods;
    api.cluster.pods = [
      { name: 'noetl-server-abc', labels: { app: 'noetl-server' }, cpu: '1m', memory: '1Mi', logs: [] },
      {
        name: 'noetl-worker-abc',
        labels: { app: 'noetl-worker', component: 'worker' },
        cpu: '1m',
        memory: '1Mi',
        logs: [],
      },
    ];
    const facts = await clusterPreflight(k, { onCheck: () => {} });
    expect(facts).toMatchObject({
      serviceResource: 'svc/noetl-server-rust',
      generation: 'python',
      serverSelector: 'app=noetl-server',
    });
    api.cluster.services = [{ name: 'noetl', ports: [8082] }];
    api.cluster.pods = saved;
  });

  it('finds production pods: the embedded server StatefulSet, workers and the system worker pool (noetl-contract §6.5)', async () => {
    const saved = api.cluster.pods;
    api.cluster.pods = [
      {
        name: 'noetl-server-rust-embedded-0',
        labels: { app: 'noetl-server-rust-embedded', component: 'server', runtime: 'rust' },
        cpu: '900m',
        memory: '2Gi',
        logs: [],
      },
      {
        name: 'noetl-worker-rust-5f-abc',
        labels: { app: 'noetl-worker-rust', component: 'worker', runtime: 'rust' },
        cpu: '100m',
        memory: '300Mi',
        logs: [],
      },
      {
        name: 'noetl-worker-system-pool-7d-xyz',
        labels: { app: 'noetl-worker-system-pool', component: 'system-worker', runtime: 'rust' },
        cpu: '50m',
        memory: '200Mi',
        logs: [],
      },
    ];
    try {
      const seen: Check[] = [];
      const facts = await clusterPreflight(k, { onCheck: (c) => seen.push(c) });
      expect(facts).toMatchObject({
        generation: 'rust',
        serverSelector: 'app=noetl-server-rust-embedded',
        workerSelector: 'component=worker',
        systemWorkerSelector: 'component=system-worker',
      });
      expect(seen.find((c) => c.name === 'server pods')?.detail).toContain('noetl-server-rust-embedded-0');
      const top = new KubectlTop(
        k,
        [
          { role: 'server', selector: facts.serverSelector },
          { role: 'worker', selector: facts.workerSelector },
          { role: 'system-worker', selector: facts.systemWorkerSelector! },
        ],
        1000,
      );
      expect((await top.sample()).map((p) => [p.role, p.name])).toEqual([
        ['server', 'noetl-server-rust-embedded-0'],
        ['worker', 'noetl-worker-rust-5f-abc'],
        ['system-worker', 'noetl-worker-system-pool-7d-xyz'],
      ]);
      const given = await clusterPreflight(k, {
        selector: 'runtime=rust,component=server',
        workerSelector: 'app=noetl-worker-rust',
        onCheck: () => {},
      });
      expect(given).toMatchObject({
        serverSelector: 'runtime=rust,component=server',
        workerSelector: 'app=noetl-worker-rust',
      });
    } finally {
      api.cluster.pods = saved;
    }
  });

  it('fails clearly on an unknown context, namespace or service', async () => {
    const bad = async (kk: Kubectl, o: { context?: string; service?: string }) => {
      try {
        await clusterPreflight(kk, { ...o, onCheck: () => {} });
      } catch (err) {
        return err as PreflightFailed;
      }
      throw new Error('preflight passed');
    };
    const ctx = await bad(k, { context: 'prod-eu' });
    expect(ctx.exitCode).toBe(2);
    expect(ctx.line()).toMatch(/context "prod-eu" does not exist — known contexts: fake/);
    const ns = await bad(new Kubectl({ kubeconfig: api.kubeconfig, namespace: 'nope' }), {});
    expect(ns.line()).toMatch(/namespace "nope" not found/);
    const svc = await bad(k, { service: 'svc/other:9000' });
    expect(svc.line()).toMatch(/NoETL service: svc\/other not found — pass --service/);
    const missing = await bad(new Kubectl({ bin: '/nonexistent/kubectl', namespace: 'noetl' }), {});
    expect(missing.exitCode).toBe(3);
    expect(missing.line()).toMatch(/kubectl on PATH: \/nonexistent\/kubectl not found on PATH/);
  });

  it('samples pods with kubectl top and reports a missing metrics API', async () => {
    const top = new KubectlTop(
      k,
      [
        { role: 'server', selector: 'app=noetl-server-rust' },
        { role: 'worker', selector: 'component=worker' },
      ],
      15_000,
    );
    const rows = await top.sample();
    expect(rows.map((r) => [r.name, r.role, r.cpuMillicores, r.memoryBytes])).toEqual([
      ['noetl-server-rust-6d5f8-x2x9q', 'server', 1200, 1843 * 1048576],
      ['noetl-worker-rust-7c9d4-abcde', 'worker', 250, 512 * 1048576],
      ['noetl-worker-rust-7c9d4-fghij', 'worker', 1000, 1024 * 1048576],
    ]);
    api.cluster.metrics = false;
    await expect(top.sample()).rejects.toThrow(/no metrics API/);
    api.cluster.metrics = true;
  });

  it('follows logs and resumes after the stream drops, without repeating lines', async () => {
    api.cluster.followEveryMs = 150;
    const lines: string[] = [];
    const f = new LogFollower(k, 'server', 'app=noetl-server-rust', (l) => lines.push(`${l.level}|${l.text}`));
    f.start();
    // Waits on what the follower saw, not on time: a first tick, then a restart with lines after it.
    const until = async (done: () => boolean) => {
      for (const end = Date.now() + 15_000; !done() && Date.now() < end;) await sleep(50);
    };
    await until(() => lines.some((l) => l.includes('tick')));
    const before = lines.length;
    api.dropLogStreams();
    await until(
      () => f.restarts >= 1 && lines.length >= before + 3 && lines.filter((l) => l.includes('tick')).length > 5,
    );
    await f.stop();
    api.cluster.followEveryMs = 0;
    expect(f.restarts).toBeGreaterThanOrEqual(1);
    expect(lines.slice(0, 3)).toEqual([
      'info|INFO server started',
      'warn|WARN retry 1/3 for command 42',
      'error|ERROR event write failed: timeout',
    ]);
    expect(new Set(lines).size).toBe(lines.length); // no line twice across the restart
    const ticks = lines.filter((l) => l.includes('tick')).map((l) => Number(l.split(' ').pop()));
    expect(ticks.length).toBeGreaterThan(5);
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    expect(f.counts.errors).toBe(1);
  });
});

describe('port-forward supervisor (fake kubectl for port-forward only)', () => {
  let target: http.Server;
  let targetPort: number;
  beforeAll(async () => {
    target = http.createServer((_q, r) => r.end('forwarded-ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    targetPort = (target.address() as AddressInfo).port;
  });
  afterAll(() => target?.close());

  it('becomes ready on a random local port, restarts on the same port after a kill, and kills its group', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pf-'));
    const pidfile = path.join(dir, 'pids');
    writeFileSync(pidfile, '');
    process.env.FAKE_PF_TARGET = `127.0.0.1:${targetPort}`;
    process.env.FAKE_PF_PIDFILE = pidfile;
    const states: string[] = [];
    const pf = new PortForward({
      kubectl: new Kubectl({ bin: FAKE_KUBECTL, namespace: 'noetl' }),
      namespace: 'noetl',
      resource: 'svc/noetl',
      remotePort: 8082,
      onState: (s) => states.push(s),
    });
    try {
      const port = await pf.start();
      expect(port).toBeGreaterThan(0);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('forwarded-ok');
      const firstPid = Number(readFileSync(pidfile, 'utf8').trim().split('\n')[0]);
      process.kill(firstPid, 'SIGKILL'); // the forward drops
      for (let i = 0; i < 40 && pf.restarts < 1; i++) await sleep(100);
      expect(pf.restarts).toBe(1);
      expect(pf.localPort).toBe(port);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('forwarded-ok');
      expect(states).toEqual(['ready', 'restarting', 'ready']);
      const group = pf.pid!;
      const members = (pgid: number) =>
        execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter(([, g, stat]) => Number(g) === pgid && !stat.startsWith('Z')) // a zombie is dead, only not yet reaped
          .map(([pid]) => Number(pid));
      expect(members(firstPid)).toEqual([]); // the dropped forward's grandchild went with it
      expect(members(group).length).toBe(2); // kubectl stand-in + its sleep grandchild
      await pf.stop();
      expect(members(group)).toEqual([]);
      expect(alive(group)).toBe(false);
    } finally {
      await pf.stop();
      delete process.env.FAKE_PF_TARGET;
      delete process.env.FAKE_PF_PIDFILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAS_KUBECTL)("rejects with kubectl's own error when the real port-forward cannot start", async () => {
    const api = await startFakeKubeApi();
    const pf = new PortForward({
      kubectl: new Kubectl({ kubeconfig: api.kubeconfig, namespace: 'noetl' }),
      namespace: 'noetl',
      resource: 'svc/noetl',
      remotePort: 8082,
      readyTimeoutMs: 15_000,
    });
    await expect(pf.start()).rejects.toThrow(/exited before it was ready/);
    await pf.stop();
    await api.close();
  });
});
