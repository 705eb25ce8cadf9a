// The two databases for the commands that only read or clean rows (diff, cleanup): with only --pg-url,
// the fixture's tables are looked for there unless --data-pg-url says otherwise; with a server, as a run
// finds them (the playbooks' credential, the query endpoint).
import type { RunConfig } from '../config.js';
import type { Lifecycle } from '../lifecycle.js';
import { NoetlClient } from '../noetl/client.js';
import { resolveServer } from '../noetl/server-url.js';
import { RowsSource } from '../sources/rows.js';
import { DirectSql } from '../sources/sql-runner.js';
import { openDatabases } from '../targets/databases.js';

export interface RowsOpts {
  serverUrl?: string;
  host?: string;
  port?: string;
  pgUrl?: string;
  dataPgUrl?: string;
  sessionToken?: string;
  gateway?: boolean;
}

/**
 * The two databases: with only --pg-url, the fixture's tables are looked for there unless --data-pg-url
 * says otherwise; with a server, as a run finds them (credential, query endpoint).
 */
export async function openRows(o: RowsOpts, life: Lifecycle): Promise<{ rows: RowsSource; client?: NoetlClient }> {
  if (o.pgUrl && !o.serverUrl && !o.host && !o.port) {
    const system = new DirectSql(o.pgUrl);
    await system.check('check --pg-url (host, port, credentials)');
    const data = o.dataPgUrl ? new DirectSql(o.dataPgUrl, '--data-pg-url') : system;
    if (data !== system) await data.check('check --data-pg-url');
    return {
      rows: new RowsSource(
        data,
        system,
        'the fixture tables are in the database of its pg_auth credential: give --data-pg-url',
      ),
    };
  }
  const r = resolveServer({
    serverUrl: o.serverUrl,
    host: o.host,
    port: o.port,
    sessionToken: o.sessionToken,
    gateway: o.gateway,
  });
  const client = new NoetlClient({ baseUrl: r.url, token: r.token, gateway: r.gateway });
  life.add('http client', () => client.close());
  const quiet = { check() {}, log() {}, describe() {}, degraded() {}, notes() {} };
  const { rows } = await openDatabases(
    { dataPgUrl: o.dataPgUrl, workload: {} } as RunConfig,
    { client, pgUrl: o.pgUrl },
    life,
    quiet,
  );
  return { rows, client };
}
