// `noetl-loadrun diff <execution_id> [--vs <execution_id>]`: the missing items of executions that ran
// elsewhere, from Postgres or the query endpoint, with the same builder and lines as a run's final diff.
import { EXIT, LoadrunError } from '../errors.js';
import type { Mode, ModeDiff, RunParams } from '../model.js';
import { buildModeDiff, crossOf } from '../diff/mode-diff.js';
import { expectedRows } from '../diff/missing-items.js';
import { assertId, NoetlClient } from '../noetl/client.js';
import { resolveServer } from '../noetl/server-url.js';
import { registerSecret } from '../redact.js';
import { diffText } from '../render/text.js';
import { DirectRows, EndpointRows, type RowsSource } from '../sources/rows.js';
import { checkPgUrl } from './run-config.js';

export interface DiffOpts {
  vs?: string;
  serverUrl?: string;
  host?: string;
  port?: string;
  pgUrl?: string;
  sessionToken?: string;
  json?: boolean;
}

/** The mode and parameters an execution was launched with, from its workload. */
function launchedWith(w: Record<string, unknown>): { mode: Mode; params: RunParams } {
  const mode: Mode = String(w.execution_mode ?? '').toLowerCase() === 'direct_stress' ? 'direct_stress' : 'chunked_optimal';
  return { mode, params: { seedRows: Number(w.seed_rows ?? 240), payloadKb: Number(w.payload_kb_per_item ?? 256), batchSize: Number(w.batch_size ?? 40), maxBatches: Number(w.max_batches ?? 6) } };
}

async function openRows(o: DiffOpts): Promise<{ rows: RowsSource; client?: NoetlClient }> {
  if (o.pgUrl) {
    const d = new DirectRows(o.pgUrl);
    await d.check();
    return { rows: d };
  }
  const r = resolveServer({ serverUrl: o.serverUrl, host: o.host, port: o.port, sessionToken: o.sessionToken });
  const client = new NoetlClient({ baseUrl: r.url, token: r.token });
  return { rows: new EndpointRows(client), client };
}

export async function diffCommand(id: string, o: DiffOpts): Promise<number> {
  assertId(id);
  if (o.vs) assertId(o.vs, '--vs execution id');
  checkPgUrl(o.pgUrl);
  registerSecret(o.sessionToken);
  const { rows, client } = await openRows(o);
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
    await client?.close();
  }
}
