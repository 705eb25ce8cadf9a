// Entry point of the sandbox process: embedded Postgres (or --pg-url), the echo endpoint, python
// workers, the engine and the NoETL-compatible API. It speaks NDJSON on stdout ({type: ready|log}) and
// shuts down on SIGINT/SIGTERM or when its parent closes stdin.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DIALECTS, type Dialect } from '../model.js';
import { Lifecycle } from '../lifecycle.js';
import { jinjaPatchOff } from './jinja.js';
import { redact } from '../redact.js';
import { startApi } from './api/server.js';
import { startEchoThread } from './echo.js';
import { postgresTuned, startEmbeddedPg, type EmbeddedPg } from './embedded-pg.js';
import { CREDENTIAL_SQL, credentialFromUrl, Credentials } from './credentials.js';
import { Engine } from './engine.js';
import { EPHEMERAL_RESULT_STORE_SQL, EventLog, SCHEMA_SQL } from './event-log.js';
import { DB_ROUTES, FAULT_PROFILES, type DbRoutes, type FaultProfile } from './faults.js';
import { tuningParseOptions } from '../sandbox-options.js';
import { PythonPool } from './python-pool.js';
import { HttpTool } from './tools.js';

function out(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
const log = (level: 'info' | 'warn' | 'error', msg: string) =>
  out({ type: 'log', level, msg, ts: new Date().toISOString() });

// A failure inside one request or tool must not take the whole sandbox (and every run on it) down.
process.on('uncaughtException', (err) => log('error', `sandbox internal error: ${err.message}`));
process.on('unhandledRejection', (err) =>
  log('error', `sandbox internal error: ${(err as Error)?.message ?? String(err)}`),
);

function readArgs() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'pg-url': { type: 'string' },
      dialect: { type: 'string', default: 'rust' },
      fault: { type: 'string', multiple: true, default: [] },
      ...tuningParseOptions(),
      'python-workers': { type: 'string', default: '3' },
      'db-routes': { type: 'string', default: 'open' },
      'internal-auth': { type: 'string', default: 'shadow' },
      'fail-on-step-error': { type: 'boolean', default: false },
      'status-from-steps': { type: 'boolean', default: false },
      'allow-network': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const dialect = values.dialect as Dialect;
  if (!DIALECTS.includes(dialect)) throw new Error(`--dialect must be rust or python, got ${values.dialect}`);
  const faults = (values.fault as string[]).flatMap((f) => f.split(',')).filter(Boolean) as FaultProfile[];
  for (const f of faults)
    if (!FAULT_PROFILES.includes(f)) throw new Error(`unknown fault profile ${f}; known: ${FAULT_PROFILES.join(', ')}`);
  if (values.host !== '127.0.0.1' && values.host !== 'localhost') throw new Error('the sandbox binds 127.0.0.1 only');
  const dbRoutes = values['db-routes'] as DbRoutes;
  if (!DB_ROUTES.includes(dbRoutes)) throw new Error(`--db-routes must be one of ${DB_ROUTES.join(', ')}`);
  // The tuning flags' values by name (their defaults come from SANDBOX_TUNING, so always present).
  const tuning = values as typeof values & Record<string, string>;
  const internalAuth = values['internal-auth'] as 'shadow' | 'enforce';
  if (internalAuth !== 'shadow' && internalAuth !== 'enforce')
    throw new Error('--internal-auth must be shadow or enforce');
  const failOnStepError = values['fail-on-step-error'] === true;
  const statusFromSteps = values['status-from-steps'] === true;
  return { values: tuning, dialect, faults, dbRoutes, internalAuth, failOnStepError, statusFromSteps };
}

type Args = ReturnType<typeof readArgs>;

/** Cleanups run once, in reverse order, then the process exits. */
/**
 * The sandbox process's one lifecycle owner (src/lifecycle.ts, as the tool's): a signal, or stdin closing
 * (the parent is gone), runs every cleanup once in reverse order, then exits 0.
 */
function shutdownOwner(): Lifecycle {
  const life = new Lifecycle();
  life.whenInterrupted(() => void life.exit(0));
  process.stdin.on('end', () => void life.exit(0));
  process.stdin.on('error', () => void life.exit(0));
  process.stdin.resume();
  return life;
}

/**
 * The data database the fixture writes to, behind the `pg_k8s` credential: `demo_noetl` beside the
 * system database, as in the e2e deployment (noetl-contract §6.1); the system database itself only when
 * an outside --pg-url does not let the sandbox create one.
 */
async function dataDatabase(pool: pg.Pool, systemUrl: string): Promise<string> {
  const url = new URL(systemUrl);
  url.pathname = '/demo_noetl';
  try {
    const { rows } = await pool.query("SELECT 1 FROM pg_database WHERE datname = 'demo_noetl'");
    if (!rows.length) await pool.query('CREATE DATABASE demo_noetl');
    return url.toString();
  } catch (err) {
    log(
      'error',
      `cannot create the data database demo_noetl (${(err as Error).message}); the fixture tables go into the system database`,
    );
    return systemUrl;
  }
}

async function startEngine(a: Args, pool: pg.Pool, own: Lifecycle, credentials: Credentials) {
  const { values, dialect, faults } = a;
  const echo = await startEchoThread('127.0.0.1', 0, {
    errorRate: faults.includes('http-errors') ? Number(values['http-error-rate']) : 0,
    errorStatus: Number(values['http-error-status']),
    latencyMs: faults.includes('latency') ? Number(values['latency-ms']) : 0,
    hangEvery: faults.includes('http-timeouts') ? Number(values['hang-every']) : 0,
  });
  own.add('echo endpoint', () => echo.close());
  const python = new PythonPool(Math.max(1, Number(values['python-workers'])), undefined, log);
  own.add('python workers', () => python.close());
  await python.start();
  const http = new HttpTool({
    echoUrl: echo.url,
    allowNetwork: values['allow-network'] as boolean,
    log,
    defaultTimeoutSeconds: faults.includes('http-timeouts') ? Number(values['http-timeout-seconds']) : undefined,
  });
  own.add('http tool', () => http.close());
  const late = faults.includes('late-commit') ? { every: 7, ms: Number(values['late-commit-ms']) } : undefined;
  const stall = faults.includes('materializer-stall')
    ? { afterEvents: Number(values['materializer-stall-after']), ms: Number(values['materializer-stall-ms']) }
    : undefined;
  const events = new EventLog(pool, (m) => log('error', m), late, stall);
  own.add('event log', () => events.drain());
  const loopState = faults.includes('legacy-loop-state')
    ? {
        inlineMaxBytes: Number(values['loop-inline-max-bytes']),
        previewBytes: Number(values['loop-preview-bytes']),
        capBytes: Number(values['loop-state-cap-bytes']),
      }
    : undefined;
  const resultContextMaxBytes = Number(process.env.NOETL_EVENT_RESULT_CONTEXT_MAX_BYTES ?? 102400);
  const engine = new Engine({
    dialect,
    pool,
    credentials,
    events,
    python,
    http,
    resultContextMaxBytes,
    loopState,
    crashWorkerAfterCalls: faults.includes('worker-crash') ? Number(values['crash-after-calls']) : 0,
    statusFlapMs: faults.includes('status-flap') ? Number(values['status-flap-ms']) : 0,
    loopStopsAfterFirstWindow: faults.includes('loop-stops-after-first-window'),
    childStatusBlind: faults.includes('child-status-blind'),
    failOnStepError: a.failOnStepError,
    log,
  });
  return { engine, echo, python, events };
}

/** The system database (the embedded one unless --pg-url), its schema and the data database. */
async function openDatabases(a: Args, own: Lifecycle) {
  let embedded: EmbeddedPg | undefined;
  let pgUrl = a.values['pg-url'];
  if (!pgUrl) {
    embedded = await startEmbeddedPg((m) => log('info', m));
    own.add('embedded postgres', () => embedded!.stop());
    pgUrl = embedded.url;
  }
  const pool = new pg.Pool({ connectionString: pgUrl, max: 40 });
  pool.on('error', (err) => {
    if (!own.exiting) log('error', `postgres pool: ${err.message}`);
  });
  own.add('postgres pool', () => pool.end());
  await pool.query(SCHEMA_SQL);
  if (embedded && postgresTuned()) await pool.query(EPHEMERAL_RESULT_STORE_SQL);
  await pool.query(CREDENTIAL_SQL);
  const dataPgUrl = await dataDatabase(pool, pgUrl);
  return { embedded, pgUrl, pool, dataPgUrl };
}

async function boot(a: Args, own: Lifecycle): Promise<void> {
  const { embedded, pgUrl, pool, dataPgUrl } = await openDatabases(a, own);
  const credentials = new Credentials(
    pool,
    () => BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
  );
  own.add('credentials', () => credentials.close());
  await credentials.register('pg_k8s', credentialFromUrl(dataPgUrl));
  const { engine, echo, python, events } = await startEngine(a, pool, own, credentials);
  const jinjaOff = jinjaPatchOff(); // the engine's templates loaded it
  if (jinjaOff) log('error', jinjaOff);
  const { dialect, faults } = a;
  const processes = () => [
    { role: 'server', name: 'sandbox-server', pid: process.pid },
    ...(embedded?.postmasterPid ? [{ role: 'postgres', name: 'sandbox-postgres', pid: embedded.postmasterPid }] : []),
    ...python.processes(),
  ];
  const info = () => ({
    sandbox: true,
    dialect,
    faults,
    db_routes: a.dbRoutes,
    emulation: faults.length > 0,
    jinja_semantics: jinjaOff ? `off: ${jinjaOff}` : 'on',
    echo_url: echo.url,
    echo: echo.stats,
    python_restarts: python.restarts,
    events_written: events.written,
    stalled_loops: engine.stalledLoops,
    processes: processes(),
  });
  const api = await startApi({
    engine,
    pool,
    host: a.values.host as string,
    port: Number(a.values.port),
    info,
    onCrashWorker: () => engine.crashWorker(),
    log,
    dbRoutes: a.dbRoutes,
    internalAuth: a.internalAuth,
    statusFromSteps: a.statusFromSteps,
  });
  own.add('api', () => api.close());
  out({
    type: 'ready',
    apiUrl: api.url,
    pgUrl,
    pgUrlMasked: redact(pgUrl),
    dataPgUrl,
    echoUrl: echo.url,
    dialect,
    faults,
    processes: processes(),
  });
}

async function main(): Promise<void> {
  const args = readArgs();
  const own = shutdownOwner();
  try {
    await boot(args, own);
  } catch (err) {
    out({ type: 'fatal', msg: (err as Error).message });
    await own.exit(3);
  }
}

void main().catch((err) => {
  out({ type: 'fatal', msg: (err as Error).message });
  process.exit(2);
});
