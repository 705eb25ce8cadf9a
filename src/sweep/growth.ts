// How the per-item cost grows with the payload: across the cells of a sweep over --payload-kb, a power law
// fitted on the engine's CPU-seconds per item where its processes were sampled, else on the run's seconds
// per item. With three sizes or more the fit is cost = a + b·payload^k (a: what an item costs whatever its
// size, e.g. a command's round trips), since a fixed part hides the growth of the rest; with two, the slope
// of log cost against log payload.
import type { CellResult } from './result.js';

export interface Growth {
  exponent: number;
  basis: 'engine CPU-seconds per item' | 'seconds per item';
  points: Array<{ payload_kb: number; cost: number }>;
  /** The fitted part of each item's cost that does not grow with the payload (0 with two sizes). */
  fixed: number;
  /** The slope of log cost against log payload, with no fixed part: the growth of the whole cost. */
  slope: number;
  text: string;
}

type Point = { payload_kb: number; cost: number };

/** The slope of log cost against log payload, by least squares. */
function logSlope(points: Point[]): number {
  const xs = points.map((p) => Math.log(p.payload_kb));
  const ys = points.map((p) => Math.log(p.cost));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  return xs.reduce((n, x, i) => n + (x - mx) * (ys[i] - my), 0) / xs.reduce((n, x) => n + (x - mx) ** 2, 0);
}

/** cost = a + b·payload^k, a ≥ 0 and b > 0, least squares over k in 0.2..4 by steps of 0.01. */
function withOffset(points: Point[]): { k: number; a: number } {
  let best = { k: logSlope(points), a: 0, sse: Infinity };
  for (let k = 0.2; k <= 4.0001; k += 0.01) {
    const xs = points.map((p) => p.payload_kb ** k);
    const ys = points.map((p) => p.cost);
    const mx = xs.reduce((n, x) => n + x, 0) / xs.length;
    const my = ys.reduce((n, y) => n + y, 0) / ys.length;
    const b = xs.reduce((n, x, i) => n + (x - mx) * (ys[i] - my), 0) / xs.reduce((n, x) => n + (x - mx) ** 2, 0);
    const a = my - b * mx;
    if (!(b > 0) || a < 0) continue;
    const sse = xs.reduce((n, x, i) => n + (a + b * x - ys[i]) ** 2, 0);
    if (sse < best.sse - 1e-12) best = { k, a, sse };
  }
  return { k: best.k, a: best.a };
}

/** The growth of the cost over payload sizes (one point per size, the median of its costs), or null with one size. */
export function growthOf(basis: Growth['basis'], samples: Array<{ payload_kb: number; cost: number }>): Growth | null {
  const bySize = new Map<number, number[]>();
  for (const s of samples) if (s.cost > 0) bySize.set(s.payload_kb, [...(bySize.get(s.payload_kb) ?? []), s.cost]);
  if (bySize.size < 2) return null;
  const points = [...bySize.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([kb, costs]) => ({ payload_kb: kb, cost: [...costs].sort((a, b) => a - b)[Math.floor(costs.length / 2)] }));
  const fit = points.length >= 3 ? withOffset(points) : { k: logSlope(points), a: 0 };
  const exponent = Math.round(fit.k * 10) / 10;
  const slope = logSlope(points);
  const sizes = points.map((p) => p.payload_kb).join(', ');
  const above =
    fit.a > 0 ? ` above a fixed ${fit.a.toFixed(2)} s per item (log-log slope ${slope.toFixed(1)} without it)` : '';
  return {
    exponent,
    basis,
    points,
    fixed: Math.round(fit.a * 100) / 100,
    slope: Math.round(slope * 10) / 10,
    text: `per-item cost grows about as payload^${exponent.toFixed(1)} (exponent ${exponent.toFixed(1)})${above}, from the ${basis} at ${sizes} KB`,
  };
}

/** The fitted exponent of cost against payload across a sweep's cells: on the engine's CPU where sampled. */
export function payloadGrowth(cells: CellResult[]): Growth | null {
  const cpu = cells.flatMap((c) =>
    c.median_cpu_seconds_per_item !== null ? [{ payload_kb: c.payload_kb, cost: c.median_cpu_seconds_per_item }] : [],
  );
  const secs = cells.flatMap((c) =>
    c.median_seconds_per_item !== null ? [{ payload_kb: c.payload_kb, cost: c.median_seconds_per_item }] : [],
  );
  return growthOf('engine CPU-seconds per item', cpu) ?? growthOf('seconds per item', secs);
}
