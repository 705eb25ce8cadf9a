// `noetl-loadrun diff <execution_id> [--vs <execution_id>]`: the missing items of executions that ran
// elsewhere, from Postgres or the query endpoint, with the same builder and lines as a run's final diff.
import { EXIT, LoadrunError } from '../errors.js';
import type { ModeDiff } from '../model.js';
import { launchedWith } from '../config.js';
import { buildModeDiff, crossOf } from '../diff/mode-diff.js';
import { expectedRows } from '../diff/missing-items.js';
import { assertId, NoetlClient } from '../noetl/client.js';
import { resolveServer } from '../noetl/server-url.js';
import { registerSecret } from '../redact.js';
import { diffText } from '../render/text.js';
import type { RunConfig } from '../config.js';
import { Lifecycle } from '../lifecycle.js';
import { RowsSource } from '../sources/rows.js';
import { DirectSql } from '../sources/sql-runner.js';
import { openDatabases } from '../targets/databases.js';
import { checkPgUrl } from './run-config.js';

export interface DiffOpts {
  vs?: string;
  serverUrl?: string;
  host?: string;
  port?: string;
  pgUrl?: string;
  dataPgUrl?: string;
  sessionToken?: string;
  gateway?: boolean;
  json?: boolean;
}

/**
 * The two databases: with only --pg-url, the fixture's tables are looked for there unless --data-pg-url
 * says otherwise; with a server, as a run finds them (credential, query endpoint).
 */
async function openRows(o: DiffOpts, life: Lifecycle): Promise<{ rows: RowsSource; client?: NoetlClient }> {
  if (o.pgUrl && !o.serverUrl && !o.host && !o.port) {
    const system = new DirectSql(o.pgUrl);
    await system.check('check --pg-url (host, port, credentials)');
    const data = o.dataPgUrl ? new DirectSql(o.dataPgUrl, '--data-pg-url') : system;
    if (data !== system) await data.check('check --data-pg-url');
    return { rows: new RowsSource(data, system, 'the fixture tables are in the database of its pg_auth credential: give --data-pg-url') };
  }
  const r = resolveServer({ serverUrl: o.serverUrl, host: o.host, port: o.port, sessionToken: o.sessionToken, gateway: o.gateway });
  const client = new NoetlClient({ baseUrl: r.url, token: r.token, gateway: r.gateway });
  life.add('http client', () => client.close());
  const quiet = { check() {}, log() {}, describe() {}, degraded() {}, notes() {} };
  const { rows } = await openDatabases({ dataPgUrl: o.dataPgUrl } as RunConfig, { client, pgUrl: o.pgUrl }, life, quiet);
  return { rows, client };
}

export async function diffCommand(id: string, o: DiffOpts): Promise<number> {
  assertId(id);
  if (o.vs) assertId(o.vs, '--vs execution id');
  checkPgUrl(o.pgUrl);
  checkPgUrl(o.dataPgUrl, '--data-pg-url');
  registerSecret(o.sessionToken);
  const life = new Lifecycle();
  const { rows } = await openRows(o, life);
  try {
    const diffs: ModeDiff[] = [];
    for (const execId of [id, ...(o.vs ? [o.vs] : [])]) {
      const w = await rows.workload(execId);
      if (!w) throw new LoadrunError(`execution ${execId} has no start event in noetl.event`, EXIT.USAGE, 'check the id (parent executions of the heavy-payload playbook)');
      const { mode, params } = launchedWith(w);
      diffs.push((await buildModeDiff(rows, mode, execId, expectedRows(mode, params), params)).diff);
    }
    const cross = diffs.length === 2 ? crossOf(diffs) : null;
    if (o.json) process.stdout.write(JSON.stringify({ diffs, cross_mode: cross }) + '\n');
    else process.stdout.write(diffText(diffs.map((d) => ({ label: `${d.mode} ${d.executionId}`, diff: d })), cross).join('\n') + '\n');
    return diffs.some((d) => d.missingCount > 0) ? EXIT.BREACHED : EXIT.OK;
  } finally {
    await rows.close();
    await life.runCleanups();
  }
}
