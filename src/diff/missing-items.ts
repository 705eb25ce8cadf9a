// The missing-items diff: the fixture's expected count, range compression, missing per chunk window,
// and the cross-mode comparison (present in one mode, missing in the other).
import type { CrossDiff, Mode, ModeDiff, Range, RunParams, WindowMissing } from '../model.js';

/** fixture-spec: direct expects every seed row; chunked expects min(seed_rows, batch_size × max_batches). */
export function expectedRows(mode: Mode, p: RunParams): number {
  return mode === 'direct_stress' ? p.seedRows : Math.min(p.seedRows, p.batchSize * p.maxBatches);
}

/** Sorted, de-duplicated ids to inclusive ranges. */
export function compressRanges(ids: Iterable<number>): Range[] {
  const sorted = [...new Set(ids)].filter((n) => Number.isInteger(n)).sort((a, b) => a - b);
  const out: Range[] = [];
  for (const id of sorted) {
    const last = out[out.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

export function rangeCount(ranges: Range[]): number {
  return ranges.reduce((n, [lo, hi]) => n + (hi - lo + 1), 0);
}

export function formatRanges(ranges: Range[], max = 20): string {
  if (!ranges.length) return 'none';
  const parts = ranges.slice(0, max).map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`));
  if (ranges.length > max) parts.push(`… (+${ranges.length - max} more ranges)`);
  return parts.join(', ');
}

/** Ranges a ∩ b, both sorted and non-overlapping. */
export function intersect(a: Range[], b: Range[]): Range[] {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/** Ranges of a minus b. */
export function subtract(a: Range[], b: Range[]): Range[] {
  const out: Range[] = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    for (const [blo, bhi] of b) {
      if (bhi < lo || blo > hi) continue;
      if (blo > lo) out.push([lo, blo - 1]);
      lo = Math.max(lo, bhi + 1);
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

/** Missing ids per chunk window (window i holds items offset+1 .. offset+batch_size). */
export function missingPerWindow(missing: Range[], p: RunParams): WindowMissing[] {
  const out: WindowMissing[] = [];
  for (let i = 0; i < p.maxBatches; i++) {
    const from = i * p.batchSize + 1;
    const to = Math.min((i + 1) * p.batchSize, p.seedRows);
    if (from > to) break;
    const ranges = intersect(missing, [[from, to]]);
    out.push({ batchNumber: i + 1, from, to, missing: rangeCount(ranges), ranges });
  }
  return out;
}

export function crossMode(direct: ModeDiff | undefined, chunked: ModeDiff | undefined): CrossDiff | undefined {
  if (!direct || !chunked) return undefined;
  // Compare on the ids both modes were expected to store.
  const span: Range[] = [[1, Math.min(direct.expected, chunked.expected)]];
  const dMiss = intersect(direct.missing, span);
  const cMiss = intersect(chunked.missing, span);
  return {
    onlyChunked: subtract(dMiss, cMiss),
    onlyDirect: subtract(cMiss, dMiss),
    missingInBoth: intersect(dMiss, cMiss),
  };
}
