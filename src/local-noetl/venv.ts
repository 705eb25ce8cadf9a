// The legacy NoETL engine from PyPI in a virtual environment of its own, under a cache folder outside any
// clone (reused when it is complete, created when not). Releases up to 4.26.0 hold the FastAPI server and
// the Python worker; from 5.0.0 the name holds the Rust CLI (noetl-contract §7.7), so a release is pinned.
// It needs CPython 3.12 or newer (4.26.0 uses PEP 701 f-strings).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { envError } from '../errors.js';
import { DEFAULT_NOETL_VERSION } from './releases.js';

export { DEFAULT_NOETL_VERSION };

const run = promisify(execFile);

const READY_MARK = '.loadrun-ready';
const LOCK_STALE_MS = 20 * 60_000;

export interface Venv {
  dir: string;
  python: string;
  version: string;
  /** The package's own folder (its DDL lives under database/ddl/postgres). */
  packageDir: string;
  /** Whether this call created it (the first start costs minutes of pip). */
  created: boolean;
}

/** ~/.cache/noetl-loadrun, or $XDG_CACHE_HOME/noetl-loadrun, or NOETL_LOADRUN_CACHE. */
export function cacheRoot(): string {
  if (process.env.NOETL_LOADRUN_CACHE) return process.env.NOETL_LOADRUN_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'noetl-loadrun');
}

async function pythonVersion(bin: string): Promise<[number, number] | undefined> {
  try {
    const { stdout } = await run(bin, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])']);
    const [maj, min] = stdout.trim().split(' ').map(Number);
    return [maj, min];
  } catch {
    return undefined;
  }
}

/** pyenv's 3.12 (and newer) interpreters. */
function pyenvPythons(): string[] {
  const root = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  let versions: string[] = [];
  try {
    versions = readdirSync(path.join(root, 'versions')).filter((v) => /^3\.(1[2-9]|[2-9]\d)\.\d+$/.test(v));
  } catch {
    return [];
  }
  // 3.12 first (the release was tried here on it), newest patch first; then newer minors.
  const key = (v: string) =>
    (v.startsWith('3.12.') ? '1' : '0') +
    v
      .split('.')
      .map((n) => n.padStart(4, '0'))
      .join('.');
  return versions
    .sort((a, b) => key(b).localeCompare(key(a)))
    .map((v) => path.join(root, 'versions', v, 'bin', 'python'));
}

/** A CPython ≥ 3.12: the one given (or NOETL_LOADRUN_PYTHON), else pyenv's, else python3.12/python3 on PATH. */
export async function findPython(given?: string): Promise<string> {
  const asked = given ?? process.env.NOETL_LOADRUN_PYTHON;
  const candidates = asked ? [asked] : [...pyenvPythons(), 'python3.13', 'python3.12', 'python3'];
  for (const c of candidates) {
    const v = await pythonVersion(c);
    if (v && (v[0] > 3 || (v[0] === 3 && v[1] >= 12))) return c;
    if (asked)
      throw envError(
        `${c} is ${v ? `Python ${v.join('.')}` : 'not a Python interpreter'}; the legacy NoETL needs 3.12 or newer`,
        'give NOETL_LOADRUN_PYTHON=/path/to/python3.12',
      );
  }
  throw envError(
    'no Python 3.12 or newer found (pyenv versions, python3.12, python3): the legacy NoETL needs one',
    'install one (pyenv install 3.12) or give NOETL_LOADRUN_PYTHON=/path/to/python3.12',
  );
}

/** One creator at a time (parallel test files, two users): a lock folder, taken over when stale. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function venvOf(dir: string, version: string, created: boolean): Venv {
  const python = path.join(dir, 'bin', 'python');
  const lib = path.join(dir, 'lib');
  const site = readdirSync(lib).find((d) => d.startsWith('python'));
  return { dir, python, version, created, packageDir: path.join(lib, site ?? '', 'site-packages', 'noetl') };
}

const isReady = (dir: string, version: string) => {
  try {
    return readFileSync(path.join(dir, READY_MARK), 'utf8').trim() === version;
  } catch {
    return false;
  }
};

/** The venv with noetl==version, made when missing or incomplete (a pip run cut short is started over). */
export async function ensureVenv(
  o: { version?: string; python?: string; log?: (msg: string) => void } = {},
): Promise<Venv> {
  const version = o.version ?? DEFAULT_NOETL_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw envError(`noetl version ${JSON.stringify(version)} is not x.y.z`);
  const root = cacheRoot();
  mkdirSync(root, { recursive: true });
  const dir = path.join(root, `venv-noetl-${version}`);
  if (isReady(dir, version)) return venvOf(dir, version, false);
  return withLock(`${dir}.lock`, async () => {
    if (isReady(dir, version)) return venvOf(dir, version, false);
    const python = await findPython(o.python);
    o.log?.(`creating ${dir} with ${python} and pip install noetl==${version} (a few minutes, once)`);
    rmSync(dir, { recursive: true, force: true });
    try {
      await run(python, ['-m', 'venv', dir]);
      await run(
        path.join(dir, 'bin', 'pip'),
        ['install', '--disable-pip-version-check', '--no-input', '-q', `noetl==${version}`],
        { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 },
      );
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('WARNING: Location'))
        .pop();
      throw envError(
        `could not install noetl==${version} into ${dir}: ${stderr ?? (err as Error).message}`,
        'it needs PyPI (pip) and Python 3.12; see README "The real engine"',
      );
    }
    if (!existsSync(path.join(dir, 'bin', 'python'))) throw envError(`the venv ${dir} has no bin/python`);
    writeFileSync(path.join(dir, READY_MARK), `${version}\n`);
    return venvOf(dir, version, true);
  });
}
