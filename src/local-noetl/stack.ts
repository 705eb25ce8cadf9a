// A local legacy NoETL (noetl==4.26.0 from PyPI by default): its own NATS JetStream, its own Postgres (the
// embedded one, databases `noetl` and `demo_noetl`), the FastAPI server and Python workers on free
// loopback ports, the playbooks' credential pointing at the data database, and an httpbin-like echo
// endpoint for the fixture's http step. Nothing of the machine's own services is used. Started by
// `noetl-loadrun local-noetl` and by the real-engine tests; stop() ends every process and removes its
// Postgres, and the folder of logs unless asked to keep it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { envError } from '../errors.js';
import type { ProcessInfo } from '../model.js';
import { startEcho, type EchoFaults, type EchoServer } from '../sandbox/echo.js';
import { freePort, startEmbeddedPg, type EmbeddedPg } from '../sandbox/embedded-pg.js';
import { spawnLogged, waitUntil, type LoggedProcess } from './processes.js';
import { ensureVenv, type Venv } from './venv.js';
import { natsBinary } from './nats.js';

export interface LocalNoetlOptions {
  version?: string;
  python?: string;
  workers?: number;
  /** The credential the playbooks name (the fixture's pg_auth). */
  credential?: string;
  echoFaults?: Partial<EchoFaults>;
  pgSettings?: Record<string, string>; // extra `postgres -c` settings (the bench loads pg_stat_statements)
  env?: Record<string, string>; // extra environment for the server and workers (e.g. NOETL_INLINE_MAX_BYTES)
  log?: (msg: string) => void;
}

export interface LocalNoetl {
  version: string;
  /** The engine's venv (py-spy goes there). */
  venvDir: string;
  serverUrl: string;
  /** The NoETL system database (noetl.event), with its password: pass it as --pg-url, never print it. */
  pgUrl: string;
  /** The fixture's data database (the credential's). */
  dataPgUrl: string;
  /** Where the fixture's http step posts (give it as --details-url). */
  detailsUrl: string;
  natsUrl: string;
  /** Logs of NATS, the server and each worker. */
  dir: string;
  echo: EchoServer;
  readonly workers: LoggedProcess[];
  server: LoggedProcess;
  startWorker(): Promise<LoggedProcess>;
  /**
   * Its processes as pods: the server, each worker, NATS and Postgres. A worker that died is listed with
   * why it ended (nothing restarts it: its claimed commands stay with it).
   */
  processes(): ProcessInfo[];
  /** The text of a log: 'server', 'nats', or a worker's index. */
  logOf(which: 'server' | 'nats' | number): string;
  stop(o?: { keepLogs?: boolean }): Promise<void>;
}

/** What the legacy server requires in server mode (noetl/core/config.py validate_mandatory_env_vars). */
function serverEnv(o: { port: number; pgPort: number; password: string; natsUrl: string }): Record<string, string> {
  return {
    NOETL_RUN_MODE: 'server',
    NOETL_SERVER_URL: `http://127.0.0.1:${o.port}`,
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(o.pgPort),
    POSTGRES_USER: 'postgres',
    POSTGRES_PASSWORD: o.password,
    POSTGRES_DB: 'noetl',
    NOETL_USER: 'postgres',
    NOETL_PASSWORD: o.password,
    NOETL_SCHEMA: 'noetl',
    NOETL_HOST: '127.0.0.1',
    NOETL_PORT: String(o.port),
    NOETL_ENABLE_UI: 'false',
    NOETL_DEBUG: 'false',
    NOETL_SERVER_NAME: `loadrun-local-${o.port}`,
    NOETL_SERVER: 'uvicorn',
    NOETL_SERVER_WORKERS: '1',
    NOETL_SERVER_RELOAD: 'false',
    NOETL_AUTO_RECREATE_RUNTIME: 'false',
    NOETL_HEARTBEAT_RETRY_AFTER: '3',
    NOETL_RUNTIME_SWEEP_INTERVAL: '15',
    NOETL_RUNTIME_OFFLINE_SECONDS: '60',
    NOETL_DISABLE_METRICS: 'true',
    NOETL_SERVER_METRICS_INTERVAL: '60',
    NATS_URL: o.natsUrl,
    PYTHONUNBUFFERED: '1',
    NOETL_AUTO_RESUME_ENABLED: 'false', // on, it CANCELLED a run of its first second (2.10.36 auto_resume.py)
  };
}

/**
 * The package's schema, applied before the server starts: 4.26.0's server registers itself in
 * noetl.runtime during start-up and exits when the table is missing, so POST /api/db/init (served by that
 * server) cannot come first.
 */
async function prepareDatabases(db: EmbeddedPg, venv: Venv): Promise<string> {
  const ddl = readFileSync(path.join(venv.packageDir, 'database', 'ddl', 'postgres', 'schema_ddl.sql'), 'utf8');
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE demo_noetl');
    await admin.query('CREATE SCHEMA IF NOT EXISTS noetl');
    await admin.query(ddl);
  } finally {
    await admin.end();
  }
  const u = new URL(db.url);
  u.pathname = '/demo_noetl';
  return u.toString();
}

async function healthy(url: string): Promise<boolean> {
  const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
  return r.ok;
}

async function registerCredential(serverUrl: string, name: string, dataPgUrl: string): Promise<void> {
  const u = new URL(dataPgUrl);
  const r = await fetch(`${serverUrl}/api/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      type: 'postgres',
      data: {
        db_host: u.hostname,
        db_port: u.port,
        db_user: decodeURIComponent(u.username),
        db_password: decodeURIComponent(u.password),
        db_name: u.pathname.slice(1),
      },
    }),
  });
  if (!r.ok) throw envError(`the local NoETL refused credential ${name}: HTTP ${r.status}`);
}

/** Its own nats-server with JetStream, its store in the stack's folder, until it is ready. */
async function startNats(dir: string, parts: Parts): Promise<{ proc: LoggedProcess; url: string }> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'nats'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', path.join(dir, 'nats')];
  const proc = spawnLogged('nats-server', natsBinary(), args, {
    env: process.env,
    cwd: dir,
    logFile: path.join(dir, 'nats.log'),
  });
  parts.add(() => proc.stop());
  await waitUntil(proc, 'ready', () => proc.log().includes('Server is ready'), 15_000);
  return { proc, url: `nats://127.0.0.1:${port}` };
}

/** The server (its cwd the stack's folder: it reads .env files from there) until it answers /api/health. */
async function startServer(
  venv: Venv,
  dir: string,
  env: NodeJS.ProcessEnv,
  port: number,
  parts: Parts,
): Promise<LoggedProcess> {
  const server = spawnLogged(
    'the NoETL server',
    venv.python,
    ['-m', 'noetl.server', '--host', '127.0.0.1', '--port', String(port)],
    {
      env,
      cwd: dir,
      logFile: path.join(dir, 'server.log'),
    },
  );
  parts.add(() => server.stop());
  await waitUntil(server, 'healthy', () => healthy(`http://127.0.0.1:${port}`), 120_000);
  return server;
}

/** Stops what was started, last first. */
class Parts {
  private readonly parts: Array<() => Promise<void>> = [];
  add(stop: () => Promise<void>): void {
    this.parts.push(stop);
  }
  async stopAll(): Promise<void> {
    for (const stop of this.parts.splice(0).reverse()) await stop().catch(() => {});
  }
}

/** One more worker, until it has subscribed to the command stream. */
async function startWorkerOf(
  venv: Venv,
  dir: string,
  env: NodeJS.ProcessEnv,
  natsUrl: string,
  serverUrl: string,
  workers: LoggedProcess[],
  parts: Parts,
): Promise<LoggedProcess> {
  const n = workers.length + 1;
  const w = spawnLogged(
    `NoETL worker ${n}`,
    venv.python,
    ['-m', 'noetl.worker', '--nats-url', natsUrl, '--server-url', serverUrl],
    { env, cwd: dir, logFile: path.join(dir, `worker-${n}.log`) },
  );
  workers.push(w);
  parts.add(() => w.stop());
  await waitUntil(w, 'subscribed', () => w.log().includes('Subscribed to noetl.commands'), 60_000);
  return w;
}

/** The stack's processes as pods: a worker that died is listed with why it ended. */
function processList(
  server: LoggedProcess,
  workers: LoggedProcess[],
  nats: LoggedProcess,
  db: EmbeddedPg,
): ProcessInfo[] {
  return [
    { role: 'server', name: 'noetl-server', pid: server.pid },
    ...workers.map((w, i) => ({
      role: 'worker',
      name: `noetl-worker-${i + 1}`,
      pid: w.pid,
      ...(w.running ? {} : { exited: w.endedBy ?? 'ended' }),
    })),
    { role: 'nats', name: 'nats-server', pid: nats.pid },
    ...(db.postmasterPid ? [{ role: 'postgres', name: 'postgres', pid: db.postmasterPid }] : []),
  ];
}

/** The stack's folder of logs. They may hold what a run sent: removed with this process however it ends, unless stop() keeps them. */
function stackDir(): { dir: string; removeDir: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'noetl-loadrun-local-'));
  const removeDir = () => {
    process.off('exit', removeDir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeDir);
  return { dir, removeDir };
}

export async function startLocalNoetl(o: LocalNoetlOptions = {}): Promise<LocalNoetl> {
  const log = o.log ?? (() => {});
  const venv = await ensureVenv({ version: o.version, python: o.python, log });
  const { dir, removeDir } = stackDir();
  const parts = new Parts();
  try {
    const nats = await startNats(dir, parts);
    const db = await startEmbeddedPg(log, o.pgSettings);
    parts.add(() => db.stop());
    const dataPgUrl = await prepareDatabases(db, venv);
    const echo = await startEcho('127.0.0.1', 0, o.echoFaults);
    parts.add(() => echo.close());
    const port = await freePort();
    const env = {
      ...process.env,
      ...serverEnv({ port, pgPort: db.port, password: db.password, natsUrl: nats.url }),
      ...o.env,
    };
    const serverUrl = `http://127.0.0.1:${port}`;
    const server = await startServer(venv, dir, env, port, parts);
    await registerCredential(serverUrl, o.credential ?? 'pg_k8s', dataPgUrl);
    const workers: LoggedProcess[] = [];
    const startWorker = () =>
      startWorkerOf(venv, dir, { ...env, NOETL_RUN_MODE: 'worker' }, nats.url, serverUrl, workers, parts);
    for (let i = 0; i < (o.workers ?? 1); i++) await startWorker();
    log(`local NoETL ${venv.version} at ${serverUrl} (logs in ${dir})`);
    return {
      version: venv.version,
      venvDir: venv.dir,
      serverUrl,
      pgUrl: db.url,
      dataPgUrl,
      detailsUrl: `${echo.url}/heavy-item-detail`,
      natsUrl: nats.url,
      dir,
      echo,
      workers,
      server,
      startWorker,
      processes: () => processList(server, workers, nats.proc, db),
      logOf: (which) =>
        which === 'server' ? server.log() : which === 'nats' ? nats.proc.log() : (workers[which]?.log() ?? ''),
      async stop({ keepLogs = false } = {}) {
        try {
          // The server and the workers at once, then the rest: a Ctrl-C's cleanup has seconds, not minutes.
          await Promise.all([server, ...workers].map((p) => p.stop(3000)));
          await parts.stopAll();
        } finally {
          if (keepLogs) process.off('exit', removeDir);
          else removeDir();
        }
      },
    };
  } catch (err) {
    await parts.stopAll();
    removeDir();
    throw err;
  }
}
