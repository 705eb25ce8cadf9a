// Cluster preflight: each check has a verdict and, when it fails, what to do (noetl-contract §3 for
// the names: service noetl:8082 or noetl-server-rust, labels of both server generations).
import { EXIT, LoadrunError } from '../../errors.js';
import type { Check, Dialect } from '../../model.js';
import { Kubectl, KubectlError } from './kubectl.js';

export interface ClusterFacts {
  checks: Check[];
  serviceResource: string; // svc/noetl
  servicePort: number;
  generation: Dialect | 'unknown';
  serverSelector: string;
  workerSelector: string;
  /** Set when system-worker pods exist. */
  systemWorkerSelector?: string;
}

/**
 * Server pods, newest generation first: the production StatefulSet noetl-server-rust-embedded
 * (noetl-contract §6.5), the Rust Deployment, any `component=server`, the Python era (§3).
 */
export const SERVER_SELECTORS = [
  { selector: 'app=noetl-server-rust-embedded', generation: 'rust' as const },
  { selector: 'app=noetl-server-rust', generation: 'rust' as const },
  { selector: 'component=server', generation: 'rust' as const },
  { selector: 'app=noetl-server', generation: 'python' as const },
];
export const WORKER_SELECTORS = ['component=worker', 'app=noetl-worker-rust', 'app=noetl-worker'];
/** The Rust stack's system worker pool (noetl-worker-system-pool), shown beside the workers when present. */
export const SYSTEM_WORKER_SELECTOR = 'component=system-worker';

/** `svc/noetl:8082`, `noetl`, `service/noetl-server-rust:8082` → kind/name and port. */
export function parseService(raw: string): { resource: string; name: string; port: number | undefined } {
  const m = /^(?:(svc|service|services)\/)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?::(\d{1,5}))?$/.exec(raw.trim());
  if (!m)
    throw new LoadrunError(
      `--service ${JSON.stringify(raw)} is not a service reference`,
      EXIT.USAGE,
      'expected svc/NAME[:PORT], for example svc/noetl:8082',
    );
  return { resource: `svc/${m[2]}`, name: m[2], port: m[4] ? Number(m[4]) : undefined };
}

export class PreflightFailed extends LoadrunError {
  constructor(
    readonly check: Check,
    code: 2 | 3,
  ) {
    super(`preflight: ${check.name}: ${check.detail}`, code, check.hint);
  }
}

/** The checks in order; each adds its verdict or throws PreflightFailed with the exit code. */
class Preflight {
  readonly checks: Check[] = [];
  constructor(
    private readonly k: Kubectl,
    private readonly onCheck: (c: Check) => void,
  ) {}

  add(c: Check): Check {
    this.checks.push(c);
    this.onCheck(c);
    return c;
  }

  fail(c: Omit<Check, 'verdict'>, code: 2 | 3): never {
    throw new PreflightFailed(this.add({ ...c, verdict: 'fail' }), code);
  }

  async kubectl(): Promise<void> {
    try {
      const v = await this.k.json<{ clientVersion?: { gitVersion?: string } }>(['version', '--client'], {
        namespaced: false,
      });
      this.add({
        name: 'kubectl on PATH',
        verdict: 'ok',
        detail: `${this.k.bin} ${v.clientVersion?.gitVersion ?? ''}`.trim(),
      });
    } catch (err) {
      this.fail(
        { name: 'kubectl on PATH', detail: (err as Error).message, hint: 'install kubectl or pass --kubectl PATH' },
        3,
      );
    }
  }

  async context(context: string | undefined): Promise<void> {
    let contexts: string[] = [];
    try {
      contexts = (await this.k.run(['config', 'get-contexts', '-o', 'name'], { namespaced: false }))
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    } catch (err) {
      this.fail(
        {
          name: 'kube context',
          detail: (err as Error).message,
          hint: 'check your kubeconfig (KUBECONFIG, ~/.kube/config)',
        },
        3,
      );
    }
    if (context) {
      if (!contexts.includes(context))
        this.fail(
          {
            name: 'kube context',
            detail: `context ${JSON.stringify(context)} does not exist`,
            hint: `known contexts: ${contexts.join(', ') || 'none'}`,
          },
          2,
        );
      this.add({ name: 'kube context', verdict: 'ok', detail: context });
      return;
    }
    let current = '';
    try {
      current = (await this.k.run(['config', 'current-context'], { namespaced: false })).trim();
    } catch {
      this.fail(
        {
          name: 'kube context',
          detail: 'no current context is set',
          hint: 'pass --context NAME or run kubectl config use-context',
        },
        2,
      );
    }
    this.add({ name: 'kube context', verdict: 'ok', detail: `${current} (current)` });
  }

  async clusterAndNamespace(): Promise<void> {
    try {
      const v = await this.k.json<{ serverVersion?: { gitVersion?: string } }>(['version'], { namespaced: false });
      this.add({
        name: 'cluster answers',
        verdict: 'ok',
        detail: `server ${v.serverVersion?.gitVersion ?? 'unknown version'}`,
      });
    } catch (err) {
      this.fail(
        {
          name: 'cluster answers',
          detail: (err as Error).message,
          hint: 'is the cluster up and your credentials valid? (kubectl get ns)',
        },
        3,
      );
    }
    const ns = this.k.o.namespace;
    try {
      await this.k.json(['get', 'namespace', ns], { namespaced: false });
      this.add({ name: 'namespace', verdict: 'ok', detail: ns });
    } catch (err) {
      const nf = err instanceof KubectlError && err.notFound;
      this.fail(
        {
          name: 'namespace',
          detail: nf ? `namespace ${JSON.stringify(ns)} not found` : (err as Error).message,
          hint: 'pass -n/--namespace (NoETL installs into "noetl")',
        },
        nf ? 2 : 3,
      );
    }
  }

  /** The NoETL service: --service, else svc/noetl:8082 falling back to svc/noetl-server-rust. */
  async service(service: string | undefined): Promise<{ resource: string; port: number }> {
    const candidates = service
      ? [parseService(service)]
      : [parseService('svc/noetl:8082'), parseService('svc/noetl-server-rust:8082')];
    const misses: string[] = [];
    for (const c of candidates) {
      try {
        const svc = await this.k.json<{ spec?: { ports?: Array<{ port: number }> } }>(['get', 'service', c.name]);
        const ports = (svc.spec?.ports ?? []).map((p) => p.port);
        const port = c.port ?? (ports.includes(8082) ? 8082 : ports[0]);
        if (port === undefined) misses.push(`${c.resource} has no ports`);
        else if (c.port !== undefined && !ports.includes(c.port))
          misses.push(`${c.resource} does not expose port ${c.port} (has ${ports.join(', ')})`);
        else {
          this.add({ name: 'NoETL service', verdict: 'ok', detail: `${c.resource}:${port}` });
          return { resource: c.resource, port };
        }
      } catch (err) {
        misses.push(err instanceof KubectlError && err.notFound ? `${c.resource} not found` : (err as Error).message);
      }
    }
    return this.fail(
      {
        name: 'NoETL service',
        detail: misses.join('; '),
        hint: 'pass --service svc/NAME:PORT (kubectl get svc -n NAMESPACE)',
      },
      2,
    );
  }

  /** Worker pods, by the given label or the first generation's that has some. */
  private async workerPods(given: string | undefined): Promise<string> {
    const workerSelectors = given ? [given] : WORKER_SELECTORS;
    let workerSelector = workerSelectors[0];
    let workers: string[] = [];
    for (const sel of workerSelectors) {
      workers = await podNames(this.k, sel);
      if (workers.length) {
        workerSelector = sel;
        break;
      }
    }
    this.add(
      workers.length
        ? { name: 'worker pods', verdict: 'ok', detail: `${workers.length} with ${workerSelector}` }
        : {
            name: 'worker pods',
            verdict: 'warn',
            detail: `none with ${workerSelectors.join(', ')}`,
            hint: 'executions will not progress without workers',
          },
    );
    return workerSelector;
  }

  /** Server and worker pods, by label (given, or tried for every generation). */
  async pods(given: {
    server?: string;
    worker?: string;
  }): Promise<Pick<ClusterFacts, 'generation' | 'serverSelector' | 'workerSelector' | 'systemWorkerSelector'>> {
    const serverSelectors = given.server ? [{ selector: given.server, generation: 'rust' as const }] : SERVER_SELECTORS;
    let server: { selector: string; generation: ClusterFacts['generation'] } = {
      selector: serverSelectors[0].selector,
      generation: 'unknown',
    };
    for (const s of serverSelectors) {
      const pods = await podNames(this.k, s.selector);
      if (!pods.length) continue;
      server = s;
      this.add({
        name: 'server pods',
        verdict: 'ok',
        detail: `${pods.length} with ${s.selector} (${s.generation} generation): ${pods.slice(0, 3).join(', ')}`,
      });
      break;
    }
    if (server.generation === 'unknown')
      this.add({
        name: 'server pods',
        verdict: 'warn',
        detail: `none with ${serverSelectors.map((s) => s.selector).join(' or ')}`,
        hint: 'the pods panel will be empty for the server (-l/--selector names them)',
      });
    const workerSelector = await this.workerPods(given.worker);
    const system = await podNames(this.k, SYSTEM_WORKER_SELECTOR);
    if (system.length)
      this.add({
        name: 'system worker pods',
        verdict: 'ok',
        detail: `${system.length} with ${SYSTEM_WORKER_SELECTOR}`,
      });
    return {
      generation: server.generation,
      serverSelector: server.selector,
      workerSelector,
      systemWorkerSelector: system.length ? SYSTEM_WORKER_SELECTOR : undefined,
    };
  }
}

export async function clusterPreflight(
  k: Kubectl,
  o: { context?: string; service?: string; selector?: string; workerSelector?: string; onCheck: (c: Check) => void },
): Promise<ClusterFacts> {
  const p = new Preflight(k, o.onCheck);
  await p.kubectl();
  await p.context(o.context);
  await p.clusterAndNamespace();
  const svc = await p.service(o.service);
  const pods = await p.pods({ server: o.selector, worker: o.workerSelector });
  return { checks: p.checks, serviceResource: svc.resource, servicePort: svc.port, ...pods };
}

async function podNames(k: Kubectl, selector: string): Promise<string[]> {
  try {
    const list = await k.json<{ items?: Array<{ metadata?: { name?: string } }> }>(['get', 'pods', '-l', selector]);
    return (list.items ?? []).map((p) => p.metadata?.name ?? '?');
  } catch {
    return [];
  }
}
