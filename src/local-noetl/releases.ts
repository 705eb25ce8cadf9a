// The legacy engine's releases on PyPI, as far as this tool is concerned: which name a version holds and
// which releases can run the bundled playbook pair at all.
import { usageError } from '../errors.js';

/** The release the tool is tested against; older ones hold the historical defects (REAL-ENGINES.md). */
export const DEFAULT_NOETL_VERSION = '4.26.0';

/** The first release whose DSL the bundled pair's loops and arcs parse in (issue #37's reading of the wheels). */
export const OLDEST_RUNNABLE = '2.8.0';

export type Version = [number, number, number];

export function parseVersion(v: string): Version | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** <0, 0, >0 as a sorts before, with or after b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A release to install: x.y.z, below 5.0.0 (the Rust CLI holds the name from there), 2.8.0 or later. */
export function checkNoetlVersion(raw: string, flag: string): string {
  const v = parseVersion(raw);
  if (!v) throw usageError(`${flag} ${JSON.stringify(raw)} is not a release (x.y.z)`, 'e.g. 4.26.0');
  if (v[0] >= 5)
    throw usageError(
      `${flag} ${raw}: from 5.0.0 PyPI's noetl is the Rust CLI, not the legacy server and worker`,
      'the legacy engine is 4.26.0 or older',
    );
  if (compareVersions(v, parseVersion(OLDEST_RUNNABLE)!) < 0)
    throw usageError(
      `${flag} ${raw}: releases before ${OLDEST_RUNNABLE} cannot parse the bundled playbooks' loops`,
      `use ${OLDEST_RUNNABLE} or later`,
    );
  return raw;
}

/** How a release's DSL names a tool's input and a policy rule's subject. */
export type PlaybookForm = 'input' | 'args';

/**
 * The release that renamed a tool's `args:` to `input:` and a policy rule's `outcome` to `output`
 * (noetl/noetl 25da2a3c, first released in 2.14.0): the bundled pair runs unchanged from there; before it,
 * a tool's `input:` is not read (2.8.4 failed at once: `name 'execution_mode' is not defined`).
 */
export const INPUT_FORM_FROM = '2.14.0';

/** The form `release` reads; unknown (a server that does not say): the current one. */
export function releaseForm(release: string | undefined): PlaybookForm {
  const v = release ? parseVersion(release) : undefined;
  return v && compareVersions(v, parseVersion(INPUT_FORM_FROM)!) < 0 ? 'args' : 'input';
}

/** Whether `release` lies in [from, to) (to: the first release with the fix). */
export function inRange(release: string, from: string, to: string): boolean {
  const v = parseVersion(release);
  return Boolean(v && compareVersions(v, parseVersion(from)!) >= 0 && compareVersions(v, parseVersion(to)!) < 0);
}

/**
 * Stall defects of legacy releases the bundled pair can hit, as read from the wheels and noetl/noetl's
 * history (issue #37); `fixedIn` is the first release with the fix. What was reproduced here is in
 * REAL-ENGINES.md.
 */
export interface ReleaseDefect {
  id: string;
  from: string;
  fixedIn: string;
  fix: string;
  what: string;
}

export const RELEASE_DEFECTS: ReleaseDefect[] = [
  {
    id: 'child-ended-parent-waits',
    from: '2.8.0',
    fixedIn: '2.8.5',
    fix: 'noetl/noetl 7acf458b',
    what: "the playbook tool polls GET /api/executions/{child} for fields it never returns, so each chunk window comes back only at the tool's timeout",
  },
  {
    id: 'ghost-in-flight',
    from: '2.8.6',
    fixedIn: '2.10.37',
    fix: 'noetl/noetl #322/#323',
    what: 'a claimed iteration that never completes keeps its in-flight slot: the loop parks with items left',
  },
  {
    id: 'collection-rerendered-smaller',
    from: '2.10.27',
    fixedIn: '2.12.2',
    fix: 'noetl/noetl #336',
    what: 'after a stale-cache invalidation the loop collection is re-rendered smaller and the loop stops after its first tranche',
  },
  {
    id: 'loop-counter-drift',
    from: '2.8.6',
    fixedIn: '2.12.5',
    fix: 'noetl/noetl #339',
    what: "the loop's counters drift and its recovery looks for the step name, while the fixture's loops write <step>:task_sequence",
  },
];

/** The defects `release` holds. */
export const defectsOf = (release: string): ReleaseDefect[] =>
  RELEASE_DEFECTS.filter((d) => inRange(release, d.from, d.fixedIn));
