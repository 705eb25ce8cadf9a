// The two databases of a NoETL deployment (noetl-contract §6.1): the system database (noetl.event) from
// --pg-url, the sandbox, or the server's query endpoint when its policy lets SELECTs through (§6.2); the
// data database (the fixture's tables) from --data-pg-url, the sandbox, or the credential the playbooks
// use (`pg_auth`, default pg_k8s) read from GET /api/credentials/{name}, reached through a port-forward
// when its host is cluster-internal. Nothing is guessed silently: the header says where rows come from.
import { FIXTURE_CREDENTIAL, type RunConfig } from '../config.js';
import { envError, oneLine } from '../errors.js';
import { HttpStatusError } from '../noetl/normalise.js';
import type { Lifecycle } from '../lifecycle.js';
import type { NoetlClient } from '../noetl/client.js';
import { registerSecret } from '../redact.js';
import type { RunningSandbox } from '../sandbox/supervisor.js';
import { RowsSource } from '../sources/rows.js';
import { DirectSql, EndpointSql, type SqlRunner } from '../sources/sql-runner.js';
import { serviceOfHost } from './pg-host.js';
import type { TargetHooks } from './hooks.js';

export interface DatabaseInputs {
  client: NoetlClient;
  /** --pg-url after any port-forward (the system database). */
  pgUrl?: string;
  sandbox?: RunningSandbox;
  /** Cluster mode: makes a URL reachable (port-forwards cluster-internal hosts). */
  reach?: (url: string) => Promise<string>;
}

/** A postgres credential's data as a URL (both key spellings in use: db_host… and host…). */
export function credentialUrl(d: Record<string, unknown>): string | undefined {
  const get = (...keys: string[]) => keys.map((k) => d[k]).find((v) => v !== undefined && v !== null && v !== '');
  const host = get('db_host', 'host');
  if (!host) return undefined;
  const u = new URL('postgres://localhost');
  u.hostname = String(host);
  u.port = String(get('db_port', 'port') ?? 5432);
  u.username = encodeURIComponent(String(get('db_user', 'user', 'username') ?? 'postgres'));
  const password = get('db_password', 'password');
  if (password !== undefined) {
    registerSecret(String(password));
    u.password = encodeURIComponent(String(password));
  }
  u.pathname = `/${String(get('db_name', 'database', 'dbname') ?? 'postgres')}`;
  return u.toString();
}

async function direct(url: string, flag: string, hint: string, life: Lifecycle): Promise<DirectSql> {
  const sql = new DirectSql(url, flag);
  life.add(`postgres pool ${sql.where}`, () => sql.close());
  await sql.check(hint);
  return sql;
}

/** A probe that got no HTTP answer: refused, unresolved, reset or timed out. */
const UNREACHABLE = /connection refused|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|timed out talking|socket hang up/i;

async function systemDb(c: RunConfig, i: DatabaseInputs, life: Lifecycle, hooks: TargetHooks): Promise<SqlRunner> {
  const url = i.pgUrl ?? i.sandbox?.pgUrl;
  if (url) return direct(url, '--pg-url', 'check --pg-url (host, port, credentials)', life);
  const { policy, detail } = await i.client
    .queryPolicy()
    .catch((err) => ({ policy: 'broken' as const, detail: oneLine(err) }));
  // No answer at all is the server, not its query endpoint (issue #39: `diff` with no server blamed the endpoint).
  if (policy === 'broken' && UNREACHABLE.test(detail))
    throw envError(
      `NoETL server at ${i.client.baseUrl} is unreachable (${detail})`,
      'check --server-url, or start a port-forward; --pg-url reads the system database directly',
    );
  const usable = policy === 'open' || policy === 'readonly';
  hooks.check({
    name: 'query endpoint',
    verdict: usable ? 'ok' : 'fail',
    detail: `${policy} (${detail})`,
    hint: usable ? undefined : 'give --pg-url for the NoETL system database',
  });
  if (!usable)
    throw envError(
      `the NoETL system database cannot be read: the server's query endpoint is ${policy} (${detail})`,
      'give --pg-url postgres://user:password@host:port/noetl (a port-forward of its Postgres)',
    );
  return new EndpointSql(i.client);
}

/** Where the fixture's tables are: the flag, the sandbox, else the playbooks' credential. */
async function dataUrl(c: RunConfig, i: DatabaseInputs, hooks: TargetHooks): Promise<{ url: string; from: string }> {
  if (c.dataPgUrl) return { url: c.dataPgUrl, from: '--data-pg-url' };
  const name = c.workload.pgAuth ?? FIXTURE_CREDENTIAL;
  if (i.sandbox) return { url: i.sandbox.dataPgUrl, from: `credential ${name}` };
  const data = await i.client.credential(name).catch((err) => {
    // A server that gates its credentials (NOETL_INTERNAL_AUTH_MODE=enforce: 403, or 503 without a token,
    // noetl/server src/auth_gate.rs) must not send the rows to the wrong database in silence.
    if (err instanceof HttpStatusError && [401, 403, 503].includes(err.status))
      throw envError(
        `the server refuses credential ${name} (HTTP ${err.status}): the fixture's data database is unknown`,
        'give --data-pg-url postgres://user:password@host:port/db (the database pg_auth names)',
      );
    hooks.log('loadrun', 'warn', `could not read credential ${name}: ${oneLine(err)}`);
    return undefined;
  });
  const url = data && credentialUrl(data);
  if (!url) {
    if (i.pgUrl) {
      hooks.log(
        'loadrun',
        'warn',
        `no usable credential ${name} on the server: looking for the fixture tables in the --pg-url database`,
      );
      return { url: i.pgUrl, from: '--pg-url (no credential)' };
    }
    throw envError(
      `the data database is unknown: the server has no credential ${name} with a host`,
      'give --data-pg-url postgres://user:password@host:port/db',
    );
  }
  const host = new URL(url).hostname;
  if (serviceOfHost(host, 5432) && !i.reach) {
    throw envError(
      `credential ${name} points at ${host}, inside the cluster`,
      'give --data-pg-url through your own port-forward, or use --target cluster',
    );
  }
  return { url: i.reach ? await i.reach(url) : url, from: `credential ${name}` };
}

export async function openDatabases(
  c: RunConfig,
  i: DatabaseInputs,
  life: Lifecycle,
  hooks: TargetHooks,
): Promise<{ rows: RowsSource; label: string }> {
  const system = await systemDb(c, i, life, hooks);
  const d = await dataUrl(c, i, hooks);
  const data = await direct(
    d.url,
    d.from === '--data-pg-url' ? '--data-pg-url' : 'the data database URL',
    `the fixture's tables are read there (${d.from}); give --data-pg-url`,
    life,
  );
  const label = `${data.where} (${d.from})`;
  return {
    rows: new RowsSource(
      data,
      system,
      `the fixture writes to its pg_auth credential's database; rows were read as ${d.from}: check --data-pg-url`,
    ),
    label,
  };
}
