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
