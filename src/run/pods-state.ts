// The pods the store follows: the last sample of each, its first memory reading and a bounded memory
// history, and what the stall facts, the diagnosis and the screen derive from them.
import {
  BUSY_MILLICORES,
  type PodCpu,
  type PodSample,
  type PodView,
  type StackProfile,
  type StallFacts,
} from '../model.js';
import { Ring } from './ring.js';

const MiB = 1024 * 1024;
const r1 = (n: number) => Math.round(n * 10) / 10;

interface PodState {
  sample: PodSample;
  first: number | null;
  history: Ring<number>;
  /** CPU over the whole run: samples read, busy ones, their sum, and CPU-seconds integrated between samples. */
  cpu: {
    samples: number;
    busy: number;
    streak: number;
    sumMillicores: number;
    seconds: number;
    busySeconds: number;
    lastAt: number | null;
  };
}

/** A pod's CPU over the run, as the diagnosis and the summary read it. */
function cpuOf(p: PodState): PodCpu {
  const c = p.cpu;
  return {
    samples: c.samples,
    busyShare: c.samples ? c.busy / c.samples : 0,
    meanMillicores: c.samples ? Math.round(c.sumMillicores / c.samples) : 0,
    cpuSeconds: Math.round(c.seconds * 10) / 10,
    busySeconds: Math.round(c.busySeconds * 10) / 10,
    streak: c.streak,
  };
}

export class PodsState {
  private readonly pods = new Map<string, PodState>();
  /** The newest stack profile per role (py-spy on a local engine). */
  private readonly profileByRole = new Map<string, StackProfile>();

  get profiles(): StackProfile[] {
    return [...this.profileByRole.values()];
  }

  /** False when this profile is already the newest of its role. */
  setProfile(p: StackProfile): boolean {
    if (this.profileByRole.get(p.role) === p) return false;
    this.profileByRole.set(p.role, p);
    return true;
  }

  take(sample: PodSample): void {
    let p = this.pods.get(sample.name);
    if (!p)
      this.pods.set(
        sample.name,
        (p = {
          sample,
          first: sample.memoryBytes,
          history: new Ring(120),
          cpu: { samples: 0, busy: 0, streak: 0, sumMillicores: 0, seconds: 0, busySeconds: 0, lastAt: null },
        }),
      );
    const m = sample.cpuMillicores;
    if (m !== null) {
      // A sample is the mean since the one before it: it covers that span.
      const span = p.cpu.lastAt !== null ? Math.max(0, (sample.sampledAt - p.cpu.lastAt) / 1000) : 0;
      p.cpu.seconds += (m / 1000) * span;
      if (m >= BUSY_MILLICORES) p.cpu.busySeconds += span;
      p.cpu.samples++;
      p.cpu.sumMillicores += m;
      if (m >= BUSY_MILLICORES) p.cpu.busy++;
      p.cpu.streak = m >= BUSY_MILLICORES ? p.cpu.streak + 1 : 0;
    }
    p.cpu.lastAt = sample.sampledAt;
    p.sample = sample;
    p.first ??= sample.memoryBytes;
    if (sample.memoryBytes !== null) p.history.push(sample.memoryBytes);
  }

  memoryTrend(): StallFacts['podMemoryTrend'] {
    return [...this.pods.values()]
      .filter((p) => p.first !== null && p.sample.memoryBytes !== null)
      .map((p) => ({
        pod: p.sample.name,
        firstMiB: r1(p.first! / MiB),
        lastMiB: r1(p.sample.memoryBytes! / MiB),
        deltaMiB: r1((p.sample.memoryBytes! - p.first!) / MiB),
      }));
  }

  /** Pods with their memory growth and peak, for the diagnosis. */
  withGrowth() {
    return [...this.pods.values()].map((p) => {
      const peak = Math.max(...p.history.toArray(), p.sample.memoryBytes ?? 0);
      const growth =
        p.first !== null && p.sample.memoryBytes !== null ? Math.round((p.sample.memoryBytes - p.first) / MiB) : null;
      const cpu = cpuOf(p);
      return { ...p.sample, growthMiB: growth, peakMiB: peak ? Math.round(peak / MiB) : null, cpu };
    });
  }

  views(): PodView[] {
    return [...this.pods.values()].map((p) => ({
      ...p.sample,
      firstMemoryBytes: p.first,
      memoryHistory: p.history.toArray(),
      cpu: cpuOf(p),
    }));
  }
}
