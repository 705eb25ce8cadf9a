// Where Ink and the packages it imports are installed, as Ink itself resolves them (a packaged install may
// hold other copies than this project's): for the patches' version checks (index.ts) and for the parts of
// Ink's build the frame patch reaches (ink-caches.ts); and for the bundle of Ink the build makes
// (scripts/bundle-ink.ts), which records the versions it bundles.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Ink's entry module (…/ink/build/index.js). */
export const inkEntry = (): string => createRequire(import.meta.url).resolve('ink');

/** The folder of `name` as Ink finds it (Ink's own for 'ink'); undefined when it is not installed. */
export function inkPackageDir(name: string): string | undefined {
  const entry = inkEntry();
  if (name === 'ink') return path.join(path.dirname(entry), '..');
  return (createRequire(entry).resolve.paths(name) ?? [])
    .map((p) => path.join(p, name))
    .find((p) => existsSync(path.join(p, 'package.json')));
}

/** The version of `name` as Ink finds it; undefined when it is not installed. */
export function inkPackageVersion(name: string): string | undefined {
  const dir = inkPackageDir(name);
  if (!dir) return undefined;
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
}
