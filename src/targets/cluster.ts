// Attaching to a cluster: preflight checks, the NoETL (and optional Postgres) port-forwards, and the
// kubectl top and logs sources, all registered with the lifecycle owner for cleanup. It reports through
// the target hooks, never into the run's store.
import type { KubeConfig } from '../config.js';
import { envError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { NoetlClient } from '../noetl/client.js';
import { inline } from '../sources/sql.js';
import { Kubectl } from './cluster/kubectl.js';
import { LogFollower } from './cluster/logs.js';
import { PortForward } from './cluster/port-forward.js';
import { clusterPreflight } from './cluster/preflight.js';
import { KubectlTop } from './cluster/top.js';
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
    hooks.check({ name: 'port-forward', verdict: 'fail', detail: oneLine(err), hint: 'kubectl port-forward needs the service to have ready endpoints' });
    throw envError(`port-forward to ${resource} failed: ${oneLine(err)}`, 'check the server pods (kubectl get pods -n NAMESPACE)');
  }
  hooks.check({ name: 'port-forward', verdict: 'ok', detail: `${pf.url} -> ${resource}:${remotePort}` });
  return pf;
}

/** --pg-forward: Postgres through its own port-forward, with the credentials of --pg-url. */
async function forwardPostgres(k: Kubectl, o: AttachOptions): Promise<string | undefined> {
  const fwd = o.kube.pgForward;
  if (!fwd || !o.pgUrl) return undefined;
  const pgf = new PortForward({ kubectl: k, namespace: fwd.namespace, resource: fwd.resource, remotePort: fwd.port, onState: (st, d) => o.hooks.log('port-forward', st === 'ready' ? 'info' : 'warn', `postgres ${fwd.resource}: ${st} ${d}`) });
  o.life.add('postgres port-forward', () => pgf.stop());
  const local = await pgf.start().catch((err) => {
    throw envError(`port-forward to Postgres ${fwd.namespace}/${fwd.resource} failed: ${oneLine(err)}`, 'check --pg-forward');
  });
  const u = new URL(o.pgUrl);
  u.hostname = '127.0.0.1';
  u.port = String(local);
  return u.toString();
}

export async function attachCluster(o: AttachOptions): Promise<Attached> {
  const kc = o.kube;
  const k = new Kubectl({ bin: kc.bin, context: kc.context, namespace: kc.namespace, kubeconfig: kc.kubeconfig, requestTimeoutSeconds: Math.ceil(o.requestTimeoutMs / 1000) });
  const facts = await clusterPreflight(k, { context: kc.context, service: kc.service, onCheck: (ch) => o.hooks.check(ch) });
  const forward = await forwardServer(k, o, facts.serviceResource, facts.servicePort);
  const pgUrl = await forwardPostgres(k, o);
  const pods = new KubectlTop(k, [{ role: 'server', selector: facts.serverSelector }, { role: 'worker', selector: facts.workerSelector }], kc.topIntervalMs);
  for (const [source, selector] of [['server', facts.serverSelector], ['worker', facts.workerSelector]] as const) {
    const f = new LogFollower(k, source, selector, (l) => o.hooks.log(l.source, l.level, l.text));
    f.start();
    o.life.add(`logs ${source}`, () => f.stop());
  }
  o.hooks.notes({ logs: null, pods: `kubectl top every ${kc.topIntervalMs / 1000} s (metrics resolution)` });
  return { serverUrl: forward.url, pgUrl, kubectl: k, forward, pods };
}

/** The credential the playbooks name (pg_auth) must exist on the server; checked where it can be. */
export async function credentialCheck(client: NoetlClient, hooks: TargetHooks, name = 'pg_k8s'): Promise<void> {
  try {
    const rows = await client.query(inline({ text: 'SELECT count(*)::int4 AS n FROM noetl.credential WHERE name = $1', params: [name] }), 'noetl');
    const n = Number(rows[0]?.n ?? 0);
    hooks.check(n > 0 ? { name: 'credential', verdict: 'ok', detail: `${name} is registered` } : { name: 'credential', verdict: 'warn', detail: `${name} is not registered on the server`, hint: 'register it (noetl catalog register pg_k8s.json) or the postgres steps will fail' });
  } catch (err) {
    hooks.check({ name: 'credential', verdict: 'warn', detail: `could not check ${name}: ${oneLine(err)}` });
  }
}
