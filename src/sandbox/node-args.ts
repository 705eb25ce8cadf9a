// How to start one of the project's modules in a fresh Node (a process or a worker thread): plain node
// for built JS, node with tsx's loader for TypeScript.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A file of tsx's, found from this package, not from the caller's working folder. */
function tsxFile(...parts: string[]): string {
  return pathToFileURL(
    path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', ...parts),
  ).href;
}

/** The node arguments that run `moduleUrl` (for TypeScript, tsx's --import entry first). */
export function nodeArgsFor(moduleUrl: URL): string[] {
  const file = fileURLToPath(moduleUrl);
  return /\.tsx?$/.test(file) ? ['--import', tsxFile('loader.mjs'), file] : [file];
}

/**
 * What `new Worker()` needs to run `moduleUrl`: the URL itself for built JS; for TypeScript, a line that
 * registers tsx in the thread first through its API (a thread has its own module hooks; the process's
 * --import does not reach it).
 */
export function workerEntry(moduleUrl: URL): { entry: URL | string; eval: boolean } {
  if (!/\.tsx?$/.test(moduleUrl.pathname)) return { entry: moduleUrl, eval: false };
  const api = JSON.stringify(tsxFile('esm', 'api', 'index.mjs'));
  return {
    entry: `import(${api}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`,
    eval: true,
  };
}
