// Attaching to a cluster: preflight checks, the NoETL (and optional Postgres) port-forwards, and the
// kubectl top and logs sources, all registered with the lifecycle owner for cleanup. It reports through
// the target hooks, never into the run's store.
import type { KubeConfig } from '../config.js';
import { envError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { NoetlClient } from '../noetl/client.js';
import { Kubectl } from './cluster/kubectl.js';
import { serviceOfHost, type PgTarget } from './pg-host.js';
import { LogFollower } from './cluster/logs.js';
import { PortForward } from './cluster/port-forward.js';
import { clusterPreflight } from './cluster/preflight.js';
import { KubectlTop, type Selector } from './cluster/top.js';
import type { TargetHooks } from './hooks.js';

export interface AttachOptions {
  kube: KubeConfig;
  pgUrl?: string;
  requestTimeoutMs: number;
  hooks: TargetHooks;
  life: Lifecycle;
  /** Called when the NoETL forward is ready again after a restart (drop pooled connections). */
  onForwardRestored: () => void;
}

export interface Attached {
  serverUrl: string;
  /** Makes a Postgres URL reachable from here (a port-forward for cluster-internal hosts). */
  reach: (url: string) => Promise<string>;
  pgUrl?: string;
  kubectl: Kubectl;
  forward: PortForward;
  pods: KubectlTop;
}

/** The port-forward to the NoETL service, reporting its state changes. */
async function forwardServer(k: Kubectl, o: AttachOptions, resource: string, remotePort: number): Promise<PortForward> {
  const { hooks } = o;
  const pf: PortForward = new PortForward({
    kubectl: k,
    namespace: o.kube.namespace,
    resource,
    remotePort,
    onState: (state, detail) => {
      hooks.describe({ portForward: `${state}${detail ? ` ${detail}` : ''}` });
      if (state === 'ready' && pf.restarts > 0) o.onForwardRestored();
      if (state !== 'ready') hooks.log('port-forward', 'warn', `${resource}: ${state}${detail ? ` (${detail})` : ''}`);
      else hooks.log('port-forward', 'info', `${resource}: ready ${detail}`);
    },
  });
  o.life.add('port-forward', () => pf.stop());
  try {
    await pf.start();
  } catch (err) {
    hooks.check({
      name: 'port-forward',
      verdict: 'fail',
      detail: oneLine(err),
      hint: 'kubectl port-forward needs the service to have ready endpoints',
    });
    throw envError(
      `port-forward to ${resource} failed: ${oneLine(err)}`,
      'check the server pods (kubectl get pods -n NAMESPACE)',
    );
  }
  hooks.check({ name: 'port-forward', verdict: 'ok', detail: `${pf.url} -> ${resource}:${remotePort}` });
  return pf;
}

/**
 * A Postgres URL made reachable from here: a cluster-internal host (`*.svc.cluster.local`) through a
 * port-forward of that service, or of --pg-forward when given; one forward per service, reused.
 */
function postgresForwarder(k: Kubectl, o: AttachOptions): (url: string) => Promise<string> {
  const forwards = new Map<string, Promise<number>>();
  return async (url) => {
    const u = new URL(url);
    const fwd = o.kube.pgForward ?? serviceOfHost(u.hostname, u.port);
    if (!fwd) return url;
    const key = `${fwd.namespace}/${fwd.resource}:${fwd.port}`;
    if (!forwards.has(key)) {
      const pgf = new PortForward({
        kubectl: k,
        namespace: fwd.namespace,
        resource: fwd.resource,
        remotePort: fwd.port,
        onState: (st, d) =>
          o.hooks.log('port-forward', st === 'ready' ? 'info' : 'warn', `postgres ${fwd.resource}: ${st} ${d}`),
      });
      o.life.add(`postgres port-forward ${key}`, () => pgf.stop());
      forwards.set(
        key,
        pgf.start().catch((err) => {
          throw envError(`port-forward to Postgres ${key} failed: ${oneLine(err)}`, 'check --pg-forward');
        }),
      );
    }
    u.hostname = '127.0.0.1';
    u.port = String(await forwards.get(key)!);
    return u.toString();
  };
}

/** Postgres and NATS beside NoETL (noetl-contract §3: namespaces postgres and nats), when they exist. */
async function neighbours(k: Kubectl): Promise<Selector[]> {
  const out: Selector[] = [];
  for (const ns of ['postgres', 'nats']) {
    const exists = await k.json(['get', 'namespace', ns], { namespaced: false }).then(
      () => true,
      () => false,
    );
    if (exists) out.push({ role: ns, selector: '', namespace: ns });
  }
  return out;
}

export async function attachCluster(o: AttachOptions): Promise<Attached> {
  const kc = o.kube;
  const k = new Kubectl({
    bin: kc.bin,
    context: kc.context,
    namespace: kc.namespace,
    kubeconfig: kc.kubeconfig,
    requestTimeoutSeconds: Math.ceil(o.requestTimeoutMs / 1000),
  });
  const facts = await clusterPreflight(k, {
    context: kc.context,
    service: kc.service,
    selector: kc.selector,
    workerSelector: kc.workerSelector,
    onCheck: (ch) => o.hooks.check(ch),
  });
  const forward = await forwardServer(k, o, facts.serviceResource, facts.servicePort);
  const reach = postgresForwarder(k, o);
  const pgUrl = o.pgUrl ? await reach(o.pgUrl) : undefined;
  const roles: Selector[] = [
    { role: 'server', selector: facts.serverSelector },
    { role: 'worker', selector: facts.workerSelector },
  ];
  if (facts.systemWorkerSelector) roles.push({ role: 'system-worker', selector: facts.systemWorkerSelector });
  roles.push(...(await neighbours(k)));
  const pods = new KubectlTop(k, roles, kc.topIntervalMs, (source, level, text) => o.hooks.log(source, level, text));
  // The system pool runs production's materializer (noetl-contract §7.5): its log says why the event log lags.
  const followed: Array<[string, string]> = [
    ['server', facts.serverSelector],
    ['worker', facts.workerSelector],
  ];
  if (facts.systemWorkerSelector) followed.push(['system-worker', facts.systemWorkerSelector]);
  for (const [source, selector] of followed) {
    const f = new LogFollower(k, source, selector, (l) => o.hooks.log(l.source, l.level, l.text));
    f.start();
    o.life.add(`logs ${source}`, () => f.stop());
  }
  o.hooks.notes({ logs: null, pods: `kubectl top every ${kc.topIntervalMs / 1000} s (metrics resolution)` });
  return { serverUrl: forward.url, pgUrl, kubectl: k, forward, pods, reach };
}

/** The credential the playbooks name (pg_auth) must exist on the server. */
export async function credentialCheck(client: NoetlClient, hooks: TargetHooks, name = 'pg_k8s'): Promise<void> {
  try {
    const data = await client.credential(name);
    hooks.check(
      data
        ? { name: 'credential', verdict: 'ok', detail: `${name} is registered` }
        : {
            name: 'credential',
            verdict: 'warn',
            detail: `${name} is not registered on the server`,
            hint: 'register it (noetl catalog register pg_k8s.json) or the postgres steps will fail',
          },
    );
  } catch (err) {
    hooks.check({ name: 'credential', verdict: 'warn', detail: `could not check ${name}: ${oneLine(err)}` });
  }
}
