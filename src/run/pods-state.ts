// The pods the store follows: the last sample of each, its first memory reading and a bounded memory
// history, and what the stall facts, the diagnosis and the screen derive from them.
import type { PodSample, PodView, StallFacts } from '../model.js';
import { Ring } from './ring.js';

const MiB = 1024 * 1024;
const r1 = (n: number) => Math.round(n * 10) / 10;

interface PodState {
  sample: PodSample;
  first: number | null;
  history: Ring<number>;
}

export class PodsState {
  private readonly pods = new Map<string, PodState>();

  take(sample: PodSample): void {
    let p = this.pods.get(sample.name);
    if (!p) this.pods.set(sample.name, (p = { sample, first: sample.memoryBytes, history: new Ring(120) }));
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
      return { ...p.sample, growthMiB: growth, peakMiB: peak ? Math.round(peak / MiB) : null };
    });
  }

  views(): PodView[] {
    return [...this.pods.values()].map((p) => ({
      ...p.sample,
      firstMemoryBytes: p.first,
      memoryHistory: p.history.toArray(),
    }));
  }
}
