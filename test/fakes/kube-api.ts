// A small FAKE Kubernetes API server (a cluster cannot run here): just enough discovery, namespaces,
// services, pods, pod metrics and pod logs for the REAL kubectl binary to print its normal output.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FakePod {
  name: string;
  /** Default: noetl. */
  namespace?: string;
  labels: Record<string, string>;
  cpu: string; // e.g. 1200m
  memory: string; // e.g. 1843Mi
  logs: string[]; // plain lines; timestamps are added
  restarts?: number;
  lastReason?: string; // e.g. OOMKilled: the last container's termination reason
  previousLogs?: string[]; // what `kubectl logs --previous` shows
}

export interface FakeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  pod: string;
  count: number;
}

export interface FakeCluster {
  namespaces: string[];
  services: Array<{ name: string; ports: number[] }>;
  pods: FakePod[];
  metrics: boolean;
  events?: FakeEvent[];
  /** While following, a new log line per pod every this many ms (0: none). */
  followEveryMs: number;
}

export const DEFAULT_CLUSTER = (): FakeCluster => ({
  namespaces: ['default', 'noetl', 'postgres'],
  services: [{ name: 'noetl', ports: [8082] }],
  pods: [
    {
      name: 'noetl-server-rust-6d5f8-x2x9q',
      labels: { app: 'noetl-server-rust', component: 'server', runtime: 'rust' },
      cpu: '1200m',
      memory: '1843Mi',
      logs: ['INFO server started', 'WARN retry 1/3 for command 42', 'ERROR event write failed: timeout'],
    },
    {
      name: 'noetl-worker-rust-7c9d4-abcde',
      labels: { app: 'noetl-worker-rust', component: 'worker', runtime: 'rust' },
      cpu: '250m',
      memory: '512Mi',
      logs: ['INFO worker ready'],
    },
    {
      name: 'noetl-worker-rust-7c9d4-fghij',
      labels: { app: 'noetl-worker-rust', component: 'worker', runtime: 'rust' },
      cpu: '1',
      memory: '1Gi',
      logs: ['INFO worker ready'],
    },
    { name: 'postgres-0', namespace: 'postgres', labels: { app: 'postgres' }, cpu: '300m', memory: '700Mi', logs: [] },
  ],
  metrics: true,
  followEveryMs: 0,
});

function matches(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k] === v;
  });
}

function podObject(ns: string, p: FakePod) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: ns,
      labels: p.labels,
      uid: `uid-${p.name}`,
      creationTimestamp: '2026-11-27T00:00:00Z',
    },
    spec: { containers: [{ name: 'main', image: 'noetl:fake' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          restartCount: p.restarts ?? 0,
          image: 'noetl:fake',
          imageID: '',
          started: true,
          state: { running: { startedAt: '2026-11-27T00:00:00Z' } },
          ...(p.lastReason
            ? {
                lastState: {
                  terminated: {
                    reason: p.lastReason,
                    exitCode: 137,
                    startedAt: '2026-11-27T00:00:00Z',
                    finishedAt: '2026-11-27T00:05:00Z',
                  },
                },
              }
            : {}),
        },
      ],
    },
  };
}

export async function startFakeKubeApi(cluster: FakeCluster = DEFAULT_CLUSTER()) {
  const requests: string[] = [];
  let logSeq = 0;
  const openStreams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    const notFound = (kind: string, name: string) =>
      json(404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${kind} "${name}" not found`,
        reason: 'NotFound',
        details: { name, kind },
        code: 404,
      });
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (p === '/version')
      return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' });
    if (p === '/api')
      return json(200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
      });
    if (p === '/apis') {
      const groups = cluster.metrics
        ? [
            {
              name: 'metrics.k8s.io',
              versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
              preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
            },
          ]
        : [];
      return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (p === '/api/v1') {
      return json(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'namespaces',
            singularName: 'namespace',
            namespaced: false,
            kind: 'Namespace',
            verbs: ['get', 'list'],
            shortNames: ['ns'],
          },
          {
            name: 'pods',
            singularName: 'pod',
            namespaced: true,
            kind: 'Pod',
            verbs: ['get', 'list'],
            shortNames: ['po'],
          },
          { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
          {
            name: 'services',
            singularName: 'service',
            namespaced: true,
            kind: 'Service',
            verbs: ['get', 'list'],
            shortNames: ['svc'],
          },
          {
            name: 'events',
            singularName: 'event',
            namespaced: true,
            kind: 'Event',
            verbs: ['get', 'list'],
            shortNames: ['ev'],
          },
        ],
      });
    }
    if (p === '/apis/metrics.k8s.io/v1beta1') {
      if (!cluster.metrics) return notFound('group', 'metrics.k8s.io');
      return json(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'metrics.k8s.io/v1beta1',
        resources: [
          { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
          { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        ],
      });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p))) {
      if (!cluster.namespaces.includes(m[1])) return notFound('namespaces', m[1]);
      return json(200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: m[1] }, status: { phase: 'Active' } });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(p))) {
      const svc = cluster.services.find((s) => s.name === m![2]);
      if (!svc || m[1] !== 'noetl') return notFound('services', m[2]);
      return json(200, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: svc.name, namespace: m[1] },
        spec: {
          type: 'ClusterIP',
          ports: svc.ports.map((port) => ({ name: 'http', port, protocol: 'TCP', targetPort: port })),
        },
      });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p))) {
      const items = cluster.pods
        .filter((x) => (x.namespace ?? 'noetl') === m![1] && matches(x.labels, url.searchParams.get('labelSelector')))
        .map((x) => podObject(m![1], x));
      return json(200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p))) {
      const pod = cluster.pods.find((x) => x.name === m![2]);
      return pod ? json(200, podObject(m[1], pod)) : notFound('pods', m[2]);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(p))) {
      const items = (m[1] === 'noetl' ? (cluster.events ?? []) : []).map((e, i) => ({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${e.pod}.${i}`, namespace: m![1], uid: `ev-${i}` },
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: e.count,
        involvedObject: { kind: 'Pod', name: e.pod, namespace: m![1] },
        firstTimestamp: '2026-11-27T10:00:00Z',
        lastTimestamp: '2026-11-27T10:05:00Z',
      }));
      return json(200, { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: '1' }, items });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p))) {
      const pod = cluster.pods.find((x) => x.name === m![2]);
      if (!pod) return notFound('pods', m[2]);
      if (url.searchParams.get('previous') === 'true') {
        if (!pod.previousLogs)
          return json(400, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: `previous terminated container "main" in pod "${pod.name}" not found`,
            reason: 'BadRequest',
            code: 400,
          });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(pod.previousLogs.map((l) => `${l}\n`).join(''));
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      const ts = url.searchParams.get('timestamps') === 'true';
      const since = url.searchParams.get('sinceTime');
      const base = Date.parse('2026-11-27T10:00:00Z');
      pod.logs.forEach((line, i) => {
        const t = new Date(base + i * 1000)
          .toISOString()
          .replace('Z', '000000Z')
          .replace(/\.(\d{3})000000Z$/, '.$1000000Z');
        if (since && t < since) return;
        res.write(`${ts ? `${t} ` : ''}${line}\n`);
      });
      if (url.searchParams.get('follow') !== 'true') return res.end();
      openStreams.add(res);
      const timer = cluster.followEveryMs
        ? setInterval(() => {
            const line = `INFO tick ${++logSeq}`;
            pod.logs.push(line);
            const t = new Date(base + (pod.logs.length - 1) * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
            res.write(`${ts ? `${t} ` : ''}${line}\n`);
          }, cluster.followEveryMs)
        : undefined;
      res.on('close', () => {
        clearInterval(timer);
        openStreams.delete(res);
      });
      return;
    }
    if ((m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(p))) {
      if (!cluster.metrics) return notFound('podmetrics', '');
      const items = cluster.pods
        .filter((x) => (x.namespace ?? 'noetl') === m![1] && matches(x.labels, url.searchParams.get('labelSelector')))
        .map((x) => ({
          metadata: { name: x.name, namespace: m![1], labels: x.labels },
          timestamp: new Date().toISOString(),
          window: '15s',
          containers: [{ name: 'main', usage: { cpu: x.cpu, memory: x.memory } }],
        }));
      return json(200, { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
    }
    notFound('resource', p);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-kube-'));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: http://127.0.0.1:${port}`,
      'users:',
      '- name: fake\n  user: {}',
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: noetl',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    kubeconfig,
    cluster,
    requests,
    /** Ends every open log stream, as a pod restart or a dropped connection would. */
    dropLogStreams() {
      for (const r of openStreams) r.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        rmSync(dir, { recursive: true, force: true }); // its kubeconfig
        server.close(() => resolve());
      }),
  };
}
