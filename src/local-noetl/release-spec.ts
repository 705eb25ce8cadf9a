// "Which release fixed it?": the releases a `releases` run covers (a list, or a range of what PyPI holds),
// the behaviour each run showed as one comparable value, where it changes, and the bisection over a range.
// Pure: the runs themselves are src/commands/releases.ts.
import { usageError } from '../errors.js';
import { checkNoetlVersion, compareVersions, parseVersion } from './releases.js';

/** What a release is judged on: a stall episode, missing rows, failures (the --bisect choices). */
export const BEHAVIOURS = ['stall', 'missing', 'failures'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export type ReleaseSpec = { kind: 'list'; releases: string[] } | { kind: 'range'; from: string; to: string };

const byVersion = (a: string, b: string) => compareVersions(parseVersion(a)!, parseVersion(b)!);

/** `2.8.3,2.8.4,2.8.5` or `2.8.0..2.9.0` (both ends included where PyPI has them). */
export function parseReleaseSpec(raw: string): ReleaseSpec {
  const range = /^([^.,\s]+\.[^.,\s]+\.[^.,\s]+)\.\.([^.,\s]+\.[^.,\s]+\.[^.,\s]+)$/.exec(raw.trim());
  if (range) {
    const [from, to] = [checkNoetlVersion(range[1], 'releases'), checkNoetlVersion(range[2], 'releases')];
    if (byVersion(from, to) >= 0) throw usageError(`releases ${raw}: the range's start must be below its end`);
    return { kind: 'range', from, to };
  }
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length < 1) throw usageError('releases: give a list (2.8.4,2.8.5) or a range (2.8.0..2.9.0)');
  const releases = [...new Set(list.map((v) => checkNoetlVersion(v, 'releases')))].sort(byVersion);
  return { kind: 'list', releases };
}

/** The releases of `all` (PyPI's, any order) inside a range, in order; pre-releases and 5.x left out. */
export function releasesInRange(all: string[], from: string, to: string): string[] {
  return all
    .filter((v) => parseVersion(v) && byVersion(v, from) >= 0 && byVersion(v, to) <= 0)
    .filter((v) => parseVersion(v)![0] < 5)
    .sort(byVersion);
}

/** PyPI's releases of noetl (its JSON API; the machine reaches PyPI for pip anyway). */
export async function pypiReleases(fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const r = await fetchImpl('https://pypi.org/pypi/noetl/json', { signal: AbortSignal.timeout(20_000) });
  if (!r.ok) throw new Error(`PyPI answered HTTP ${r.status}`);
  const body = (await r.json()) as { releases?: Record<string, unknown[]> };
  return Object.entries(body.releases ?? {})
    .filter(([, files]) => Array.isArray(files) && files.length > 0)
    .map(([v]) => v);
}

/** One release's run as the table shows it. */
export interface ReleaseRow {
  release: string;
  verdict: string;
  /** Stall episodes, and how long they lasted in all. */
  stalls: number;
  stallSeconds: number;
  cause: string | null;
  rowsPerSecond: number | null;
  stored: number;
  expected: number;
  missing: number;
  failures: number;
  reportDir: string;
  /** Set when the run could not happen (install failed, engine did not start). */
  error?: string;
}

/** Whether a row shows the behaviour (null: the run could not say). */
export function shows(row: ReleaseRow, b: Behaviour): boolean | null {
  if (row.error) return null;
  if (b === 'stall') return row.stalls > 0 || row.verdict === 'stalled';
  if (b === 'missing') return row.missing > 0;
  return row.failures > 0 || row.verdict === 'failed';
}

/** Each pair of neighbouring rows (in release order) where the behaviour changes. */
export function changes(rows: ReleaseRow[], b: Behaviour): Array<{ before: ReleaseRow; after: ReleaseRow }> {
  const known = rows.filter((r) => shows(r, b) !== null).sort((x, y) => byVersion(x.release, y.release));
  const out: Array<{ before: ReleaseRow; after: ReleaseRow }> = [];
  for (let i = 1; i < known.length; i++)
    if (shows(known[i - 1], b) !== shows(known[i], b)) out.push({ before: known[i - 1], after: known[i] });
  return out;
}

/** The sentences that say where the behaviour changes (or that it does not). */
export function changeLines(rows: ReleaseRow[], b: Behaviour): string[] {
  const found = changes(rows, b);
  if (!found.length) {
    const known = rows.filter((r) => shows(r, b) !== null);
    if (!known.length) return [`no release could be judged on ${b}`];
    return [`no change: every release run ${shows(known[0], b) ? 'shows' : 'does not show'} the ${b}`];
  }
  return found.map(({ before, after }) =>
    shows(after, b)
      ? `${after.release} is the first release run here with the ${b} (${before.release} has none)`
      : `${after.release} is the first release run here without the ${b} (${before.release} has it${before.cause ? `: ${before.cause}` : ''})`,
  );
}

/**
 * The next release to run when bisecting `candidates` (in order) on `b`: between the last release known
 * to behave like the first and the first known to behave like the last. Undefined when they are adjacent
 * (the change is found) or when both ends behave alike (nothing to find in the range).
 */
export function nextProbe(candidates: string[], rows: ReleaseRow[], b: Behaviour): string | undefined {
  const at = (v: string) => rows.find((r) => r.release === v);
  const first = at(candidates[0]);
  const last = at(candidates.at(-1)!);
  if (!first) return candidates[0];
  if (!last) return candidates.at(-1);
  const left = shows(first, b);
  if (left === null || shows(last, b) === null || left === shows(last, b)) return undefined;
  let lo = 0;
  let hi = candidates.length - 1;
  for (let i = 1; i < candidates.length - 1; i++) {
    const r = at(candidates[i]);
    const s = r ? shows(r, b) : null;
    if (s === null) continue;
    if (s === left) lo = Math.max(lo, i);
    else hi = Math.min(hi, i);
  }
  if (hi - lo <= 1) return undefined;
  // A release that could not run is skipped over: try the middle's untried neighbours.
  const mid = Math.floor((lo + hi) / 2);
  for (const i of [mid, ...Array.from({ length: hi - lo - 1 }, (_, k) => lo + 1 + k)])
    if (!at(candidates[i])) return candidates[i];
  return undefined;
}
