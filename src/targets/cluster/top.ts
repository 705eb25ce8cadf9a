// `kubectl top pod` as a pods source: the real command's output parsed (units m/n/u for CPU, Ki/Mi/Gi/
// K/M/G for memory), polled no faster than the metrics resolution.
import type { PodSample } from '../../model.js';
import type { PodsSource } from '../../sources/pods.js';
import { Kubectl, KubectlError } from './kubectl.js';

export function parseCpu(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'n':
      return Math.round(n / 1e6);
    case 'u':
      return Math.round(n / 1e3);
    case 'm':
      return Math.round(n);
    default:
      return Math.round(n * 1000);
  }
}

const MEM_UNITS: Record<string, number> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  K: 1e3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

export function parseMemory(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?|k)?$/.exec(v.trim());
  const unit = m?.[2] ?? '';
  if (!m || !(unit in MEM_UNITS)) return null;
  return Math.round(Number(m[1]) * MEM_UNITS[unit]);
}

/** Rows of `kubectl top pod --no-headers` (NAME CPU MEMORY); header lines are skipped too. */
export function parseTop(out: string, role: string, now = Date.now()): PodSample[] {
  const rows: PodSample[] = [];
  for (const line of out.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 3 || cells[0] === 'NAME') continue;
    rows.push({
      name: cells[0],
      role,
      cpuMillicores: parseCpu(cells[1]),
      memoryBytes: parseMemory(cells[2]),
      sampledAt: now,
    });
  }
  return rows;
}

interface PodList {
  items?: Array<{
    metadata?: { name?: string };
    status?: { containerStatuses?: Array<{ restartCount?: number; lastState?: { terminated?: { reason?: string } } }> };
  }>;
}

/** Restarts and the last termination reason per pod (`kubectl get pods -o json`), for the diagnosis. */
export function parsePodStates(list: PodList): Map<string, { restarts: number; lastReason: string | null }> {
  const out = new Map<string, { restarts: number; lastReason: string | null }>();
  for (const pod of list.items ?? []) {
    const statuses = pod.status?.containerStatuses ?? [];
    const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    const lastReason = statuses.map((c) => c.lastState?.terminated?.reason).find(Boolean) ?? null;
    if (pod.metadata?.name) out.set(pod.metadata.name, { restarts, lastReason });
  }
  return out;
}

export interface Selector {
  role: string;
  /** A label selector; empty for every pod of the namespace. */
  selector: string;
  /** Another namespace than NoETL's (Postgres, NATS). */
  namespace?: string;
}

interface EventList {
  items?: Array<{
    metadata?: { uid?: string };
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    involvedObject?: { name?: string };
  }>;
}

export type OnClusterLog = (source: string, level: 'info' | 'warn' | 'error', text: string) => void;

export class KubectlTop implements PodsSource {
  /** Restart counts whose previous logs were read already, and warning events already reported. */
  private readonly previousRead = new Map<string, number>();
  private readonly eventsSeen = new Map<string, number>();

  constructor(
    private readonly k: Kubectl,
    private readonly selectors: Selector[],
    readonly intervalMs: number,
    /** Evidence for the diagnosis: the namespace's warning events, and a restarted pod's previous logs. */
    private readonly onLog: OnClusterLog = () => {},
  ) {}

  private where(s: Selector): string[] {
    return s.namespace ? ['-n', s.namespace] : [];
  }

  /** Warning events of the namespace (kubectl get events), each reported once per new occurrence. */
  private async warningEvents(): Promise<void> {
    const list = await this.k.json<EventList>(['get', 'events', '-o', 'json']).catch(() => ({}) as EventList);
    for (const e of list.items ?? []) {
      if (e.type !== 'Warning') continue;
      const key = e.metadata?.uid ?? `${e.involvedObject?.name}/${e.reason}`;
      if ((this.eventsSeen.get(key) ?? 0) >= (e.count ?? 1)) continue;
      this.eventsSeen.set(key, e.count ?? 1);
      this.onLog(
        'k8s-events',
        'warn',
        `${e.reason} ${e.involvedObject?.name ?? ''} (${e.count ?? 1}×): ${e.message ?? ''}`,
      );
    }
  }

  /** After a container restart: what the crashed container wrote (kubectl logs --previous). */
  private async previousLogs(pod: string, s: Selector, restarts: number): Promise<void> {
    if (restarts <= (this.previousRead.get(pod) ?? 0)) return;
    this.previousRead.set(pod, restarts);
    const text = await this.k
      .run([...this.where(s), 'logs', pod, '--previous', '--tail', '200'], { namespaced: !s.namespace })
      .catch(() => '');
    for (const line of text.split('\n').filter((l) => l.trim()))
      this.onLog(`${s.role}-previous`, /error|panic|fatal/i.test(line) ? 'error' : 'info', `${pod}: ${line}`);
  }

  async sample(): Promise<PodSample[]> {
    const out: PodSample[] = [];
    const seen = new Set<string>();
    for (const s of this.selectors) {
      let text: string;
      try {
        text = await this.k.run(
          [...this.where(s), 'top', 'pod', ...(s.selector ? ['-l', s.selector] : []), '--no-headers'],
          { namespaced: !s.namespace },
        );
      } catch (err) {
        const msg = (err as KubectlError).message;
        if (
          /Metrics API not available|metrics\.k8s\.io|the server could not find the requested resource/i.test(
            `${msg} ${(err as KubectlError).stderr ?? ''}`,
          )
        ) {
          throw new Error('this cluster has no metrics API (metrics-server): no CPU/memory samples; the run goes on');
        }
        if (/No resources found/i.test(msg)) continue;
        throw err;
      }
      const states = parsePodStates(
        await this.k
          .json<PodList>([...this.where(s), 'get', 'pods', ...(s.selector ? ['-l', s.selector] : [])], {
            namespaced: !s.namespace,
          })
          .catch(() => ({})),
      );
      for (const p of parseTop(text, s.role)) {
        if (seen.has(p.name)) continue;
        seen.add(p.name);
        const state = states.get(p.name);
        out.push({ ...p, ...state });
        if (state?.restarts) await this.previousLogs(p.name, s, state.restarts);
      }
    }
    await this.warningEvents();
    return out;
  }
}
