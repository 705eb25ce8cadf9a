// Attaching to a cluster: preflight checks, the NoETL (and optional Postgres) port-forwards, and the
// kubectl top and logs sources, all registered with the lifecycle owner for cleanup.
import type { KubeConfig } from '../config.js';
import { envError, oneLine } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { NoetlClient } from '../noetl/client.js';
import type { RunStore } from '../run/store.js';
import { inline } from '../sources/sql.js';
import { Kubectl } from './kubectl.js';
import { LogFollower } from './logs.js';
import { PortForward } from './port-forward.js';
import { clusterPreflight } from './preflight.js';
import { KubectlTop } from './top.js';

export interface AttachOptions {
  kube: KubeConfig;
  pgUrl?: string;
  requestTimeoutMs: number;
  store: RunStore;
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

export async function attachCluster(o: AttachOptions): Promise<Attached> {
  const kc = o.kube;
  const store = o.store;
  const k = new Kubectl({ bin: kc.bin, context: kc.context, namespace: kc.namespace, kubeconfig: kc.kubeconfig, requestTimeoutSeconds: Math.ceil(o.requestTimeoutMs / 1000) });
  const facts = await clusterPreflight(k, { context: kc.context, service: kc.service, onCheck: (ch) => store.check(ch) });
  const pf: PortForward = new PortForward({
    kubectl: k,
    namespace: kc.namespace,
    resource: facts.serviceResource,
    remotePort: facts.servicePort,
    onState: (state, detail) => {
      store.setTarget({ portForward: `${state}${detail ? ` ${detail}` : ''}` });
      if (state === 'ready' && pf.restarts > 0) o.onForwardRestored();
      if (state !== 'ready') store.log('port-forward', 'warn', `${facts.serviceResource}: ${state}${detail ? ` (${detail})` : ''}`);
      else store.log('port-forward', 'info', `${facts.serviceResource}: ready ${detail}`);
    },
  });
  o.life.add('port-forward', () => pf.stop());
  try {
    await pf.start();
  } catch (err) {
    store.check({ name: 'port-forward', verdict: 'fail', detail: oneLine(err), hint: 'kubectl port-forward needs the service to have ready endpoints' });
    throw envError(`port-forward to ${facts.serviceResource} failed: ${oneLine(err)}`, 'check the server pods (kubectl get pods -n NAMESPACE)');
  }
  store.check({ name: 'port-forward', verdict: 'ok', detail: `${pf.url} -> ${facts.serviceResource}:${facts.servicePort}` });
  let pgUrl: string | undefined;
  if (kc.pgForward && o.pgUrl) {
    const fwd = kc.pgForward;
    const pgf = new PortForward({ kubectl: k, namespace: fwd.namespace, resource: fwd.resource, remotePort: fwd.port, onState: (st, d) => store.log('port-forward', st === 'ready' ? 'info' : 'warn', `postgres ${fwd.resource}: ${st} ${d}`) });
    o.life.add('postgres port-forward', () => pgf.stop());
    const local = await pgf.start().catch((err) => {
      throw envError(`port-forward to Postgres ${fwd.namespace}/${fwd.resource} failed: ${oneLine(err)}`, 'check --pg-forward');
    });
    const u = new URL(o.pgUrl);
    u.hostname = '127.0.0.1';
    u.port = String(local);
    pgUrl = u.toString();
  }
  const pods = new KubectlTop(k, [{ role: 'server', selector: facts.serverSelector }, { role: 'worker', selector: facts.workerSelector }], kc.topIntervalMs);
  for (const [source, selector] of [['server', facts.serverSelector], ['worker', facts.workerSelector]] as const) {
    const f = new LogFollower(k, source, selector, (l) => store.log(l.source, l.level, l.text));
    f.start();
    o.life.add(`logs ${source}`, () => f.stop());
  }
  store.setLogsNote(null);
  store.setPodsNote(`kubectl top every ${kc.topIntervalMs / 1000} s (metrics resolution)`);
  return { serverUrl: pf.url, pgUrl, kubectl: k, forward: pf, pods };
}

/** The credential the playbooks name (pg_auth) must exist on the server; checked where it can be. */
export async function credentialCheck(client: NoetlClient, store: RunStore, name = 'pg_k8s'): Promise<void> {
  try {
    const rows = await client.query(inline({ text: 'SELECT count(*)::int4 AS n FROM noetl.credential WHERE name = $1', params: [name] }), 'noetl');
    const n = Number(rows[0]?.n ?? 0);
    store.check(n > 0 ? { name: 'credential', verdict: 'ok', detail: `${name} is registered` } : { name: 'credential', verdict: 'warn', detail: `${name} is not registered on the server`, hint: 'register it (noetl catalog register pg_k8s.json) or the postgres steps will fail' });
  } catch (err) {
    store.check({ name: 'credential', verdict: 'warn', detail: `could not check ${name}: ${oneLine(err)}` });
  }
}
