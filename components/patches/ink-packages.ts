// Where Ink and the packages it imports are installed, as Ink itself resolves them (a packaged install may
// hold other copies than this project's): for the patches' version checks (index.ts) and for the parts of
// Ink's build the frame patch reaches (ink-caches.ts).
import { existsSync } from 'node:fs';
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
