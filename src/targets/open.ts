// Opening a target: the embedded sandbox, a server reached by URL, or a cluster through kubectl. Each
// gives the same thing to the run: a NoETL client, a rows source (direct Postgres or the query endpoint),
// and, where there is one, a pods source. Everything opened is registered with the lifecycle owner.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURE_CREDENTIAL, type RunConfig } from '../config.js';
import { envError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import { retriesNoteFor } from '../engine-dialects.js';
import type { ProcessInfo } from '../model.js';
import { NoetlClient } from '../noetl/client.js';
import { redact, registerSecret } from '../redact.js';
import { startSandbox, type RunningSandbox } from '../sandbox/supervisor.js';
import { ProcessPods, type PodsSource } from '../sources/pods.js';
import type { RowsSource } from '../sources/rows.js';
import { openDatabases } from './databases.js';
import { followLogFiles } from '../sources/log-files.js';
import type { Kubectl } from './cluster/kubectl.js';
import type { PortForward } from './cluster/port-forward.js';
import type { TargetHooks } from './hooks.js';

export interface OpenedTarget {
  client: NoetlClient;
  rows: RowsSource;
  pods?: PodsSource;
  kubectl?: Kubectl;
  forward?: PortForward;
  sandbox?: RunningSandbox;
  local?: { version: string; dir: string };
}

interface Endpoints {
  serverUrl: string;
  pgUrl?: string;
  kubectl?: Kubectl;
  forward?: PortForward;
  pods?: PodsSource;
  sandbox?: RunningSandbox;
  reach?: (url: string) => Promise<string>;
  /** --target local: the release started and its folder of logs. */
  local?: { version: string; dir: string };
}

async function openSandbox(c: RunConfig, life: Lifecycle, hooks: TargetHooks): Promise<Endpoints> {
  hooks.log(
    'loadrun',
    'info',
    'starting the embedded sandbox (Postgres, python workers, echo endpoint, NoETL-compatible API)',
  );
  const sb = await startSandbox({
    dialect: c.sandboxDialect,
    faults: c.faults,
    extraArgs: c.sandboxArgs,
    pgUrl: c.pgUrl,
    allowNetwork: c.allowNetwork,
    onLog: (level, msg) => hooks.log('sandbox', level, redact(msg)),
  });
  life.add('sandbox', () => sb.stop());
  registerSecret(new URL(sb.pgUrl).password);
  hooks.log('loadrun', 'info', `sandbox API ${sb.apiUrl}, Postgres ${sb.pgUrlMasked}, echo ${sb.echoUrl}`);
  registerSecret(new URL(sb.dataPgUrl).password);
  return { serverUrl: sb.apiUrl, pgUrl: sb.pgUrl, sandbox: sb };
}

/** The local engine's logs into the report folder (the last 4 MB of each, secrets masked), then its folder removed. */
function keepEngineLogs(dir: string, reportDir: string): void {
  try {
    const out = path.join(reportDir, 'engine-logs');
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      writeFileSync(path.join(out, f), redact(text.slice(-4 * 1024 * 1024)), { mode: 0o600 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * --target local: the legacy engine from PyPI started for this run (its venv made on first use, with a
 * progress line every 10 s while that lasts), its processes sampled as pods, its logs followed, and the
 * fixture's http step pointed at its echo. Stopped by the lifecycle owner at the end.
 */
async function openLocal(c: RunConfig, life: Lifecycle, hooks: TargetHooks): Promise<Endpoints> {
  const { startLocalNoetl } = await import('../local-noetl/stack.js');
  const { ensurePySpy, LocalEnginePods } = await import('../local-noetl/stack-sampler.js');
  const { version, workers } = c.local!;
  const t0 = Date.now();
  let phase = `installing or checking noetl==${version}`;
  hooks.log('loadrun', 'info', `starting the real NoETL ${version} (server, ${workers} worker(s), NATS, Postgres)`);
  const ticker = setInterval(
    () => hooks.log('loadrun', 'info', `local NoETL: ${phase} (${Math.round((Date.now() - t0) / 1000)} s)`),
    10_000,
  );
  let stack: Awaited<ReturnType<typeof startLocalNoetl>>;
  try {
    stack = await startLocalNoetl({
      version,
      workers,
      log: (m) => {
        phase = m;
        hooks.log('local', 'info', redact(m));
      },
    });
  } finally {
    clearInterval(ticker);
  }
  life.add('local NoETL', async () => {
    await stack.stop({ keepLogs: true });
    keepEngineLogs(stack.dir, c.reportDir);
  });
  registerSecret(new URL(stack.pgUrl).password);
  c.workload.detailsUrl ??= stack.detailsUrl;
  const files = [stack.server, ...stack.workers].map((p) => p.logFile);
  life.add(
    'log files',
    followLogFiles(files, (source, level, text) => hooks.log(source, level, text)),
  );
  hooks.log('loadrun', 'info', `local NoETL ${stack.version} at ${stack.serverUrl} (logs in ${stack.dir})`);
  return {
    serverUrl: stack.serverUrl,
    pgUrl: stack.pgUrl,
    pods: new LocalEnginePods(
      () => stack.processes(),
      ensurePySpy(stack.venvDir, (m) => hooks.log('local', 'info', m)),
    ),
    local: { version: stack.version, dir: stack.dir },
  };
}

async function endpointsOf(
  c: RunConfig,
  life: Lifecycle,
  hooks: TargetHooks,
  reconnect: () => void,
): Promise<Endpoints> {
  if (c.target === 'sandbox') return openSandbox(c, life, hooks);
  if (c.target === 'server') {
    if (!c.engineProcesses) return { serverUrl: c.serverUrl ?? '', pgUrl: c.pgUrl };
    const { engineProcessesFrom, ensurePySpy, LocalEnginePods } = await import('../local-noetl/stack-sampler.js');
    const { list, venvDir } = engineProcessesFrom(c.engineProcesses);
    const spy = venvDir ? ensurePySpy(venvDir, (m) => hooks.log('local', 'info', m)) : Promise.resolve(undefined);
    return { serverUrl: c.serverUrl ?? '', pgUrl: c.pgUrl, pods: new LocalEnginePods(list, spy) };
  }
  if (c.target === 'local') return openLocal(c, life, hooks);
  // Loaded only for a cluster (kubectl and execa are not needed otherwise).
  const { attachCluster } = await import('./cluster.js');
  const a = await attachCluster({
    kube: c.kube!,
    pgUrl: c.pgUrl,
    requestTimeoutMs: c.requestTimeoutMs,
    hooks,
    life,
    onForwardRestored: reconnect,
  });
  return {
    serverUrl: a.serverUrl,
    pgUrl: a.pgUrl,
    kubectl: a.kubectl,
    forward: a.forward,
    pods: a.pods,
    reach: a.reach,
  };
}

async function connect(c: RunConfig, serverUrl: string, life: Lifecycle, hooks: TargetHooks): Promise<NoetlClient> {
  const client = new NoetlClient({
    baseUrl: serverUrl,
    token: c.token,
    gateway: c.gateway,
    requestTimeoutMs: c.requestTimeoutMs,
    onRetry: (what, attempt, error) => hooks.degraded(`degraded: ${what} failed (${error}); retry ${attempt}`),
  });
  life.add('http client', () => client.close());
  try {
    await client.detectDialect();
    if (c.target === 'cluster')
      hooks.check({
        name: 'API healthy',
        verdict: 'ok',
        detail: `${client.dialect} dialect${client.version ? ` ${client.version}` : ''} at ${serverUrl}`,
      });
  } catch (err) {
    const hint =
      c.target === 'sandbox'
        ? 'the sandbox API did not answer'
        : c.target === 'cluster'
          ? 'the service is forwarded but NoETL does not answer: kubectl logs the server pod'
          : 'check --server-url or start a port-forward';
    if (c.target === 'cluster') hooks.check({ name: 'API healthy', verdict: 'fail', detail: oneLine(err), hint });
    throw envError(`NoETL server at ${serverUrl} is unreachable: ${oneLine(err)}`, hint);
  }
  hooks.degraded(null);
  return client;
}

/** Opens the configured target. `reconnect` is called when a cluster's forward comes back after a drop. */
export async function openTarget(
  c: RunConfig,
  life: Lifecycle,
  hooks: TargetHooks,
  reconnect: () => void,
): Promise<OpenedTarget> {
  const ep = await endpointsOf(c, life, hooks, reconnect);
  const client = await connect(c, ep.serverUrl, life, hooks);
  const { rows, label } = await openDatabases(
    c,
    { client, pgUrl: ep.pgUrl, sandbox: ep.sandbox, reach: ep.reach },
    life,
    hooks,
  );
  hooks.describe({
    kind: c.target,
    serverUrl: ep.serverUrl,
    // The sandbox emulates a dialect; it has no server version of its own to show.
    dialect: client.sandbox
      ? `sandbox, ${client.dialect} dialect`
      : ep.local
        ? `${client.dialect} ${ep.local.version}, local`
        : `${client.dialect}${client.version ? ` ${client.version}` : ''}`,
    rowsSource: label,
    faults: c.faults,
    release: c.release ?? null,
    // The sandbox's worker log and a cluster's worker pods are followed; a server reached directly only
    // through --log-file.
    retriesNote: retriesNoteFor(
      client.dialect ?? '?',
      client.sandbox || c.target === 'cluster' || c.target === 'local' || c.logFiles.length > 0,
      client.sandbox,
    ),
  });
  let pods = ep.pods;
  if (c.target === 'cluster') {
    const { credentialCheck } = await import('./cluster.js');
    await credentialCheck(client, hooks, c.workload.pgAuth ?? FIXTURE_CREDENTIAL);
  } else if (c.target === 'local' || pods) {
    hooks.notes({
      pods: null,
      logs: c.target === 'local' || c.logFiles.length ? null : 'no logs source: --log-file follows log files',
    });
  } else if (client.sandbox) {
    pods = new ProcessPods(async () => ((await client.sandboxInfo()).processes as ProcessInfo[] | undefined) ?? []);
    hooks.notes({ pods: null, logs: null });
  } else {
    hooks.notes({
      pods: 'no pods source: the server is reached directly (use --target cluster for kubectl top)',
      logs: c.logFiles.length ? null : 'no logs source: the server is reached directly (--log-file follows log files)',
    });
  }
  if (c.logFiles.length && !client.sandbox) {
    const stop = followLogFiles(c.logFiles, (source, level, text) => hooks.log(source, level, text));
    life.add('log files', stop);
  }
  return { client, rows, pods, kubectl: ep.kubectl, forward: ep.forward, sandbox: ep.sandbox, local: ep.local };
}
