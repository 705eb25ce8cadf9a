// A small seeded generator (mulberry32) for tests that try many inputs: a failure is the same on every run.

/** `rand(n)`: an integer in [0, n), the same sequence for the same seed. */
export function seeded(seed: number): (n: number) => number {
  return (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
