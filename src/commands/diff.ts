// `noetl-loadrun diff <execution_id> [--vs <execution_id>]`: the missing items of executions that ran
// elsewhere, from Postgres or the query endpoint, with the same builder and lines as a run's final diff.
import { EXIT, LoadrunError } from '../errors.js';
import type { ModeDiff } from '../model.js';
import { launchedWith } from '../playbooks.js';
import { buildModeDiff, crossOf } from '../diff/mode-diff.js';
import { expectedRows } from '../diff/missing-items.js';
import { assertId } from '../noetl/client.js';
import { registerSecret } from '../redact.js';
import { diffText } from '../render/text.js';
import { Lifecycle } from '../lifecycle.js';
import { openRows, type RowsOpts } from './open-rows.js';
import { checkPgUrl } from './run-config.js';

export interface DiffOpts extends RowsOpts {
  vs?: string;
  json?: boolean;
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
      if (!w)
        throw new LoadrunError(
          `execution ${execId} has no start event in noetl.event`,
          EXIT.USAGE,
          'check the id (parent executions of the heavy-payload playbook)',
        );
      const { mode, params } = launchedWith(w);
      diffs.push((await buildModeDiff(rows, mode, execId, expectedRows(mode, params), params)).diff);
    }
    const cross = diffs.length === 2 ? crossOf(diffs) : null;
    if (o.json) process.stdout.write(JSON.stringify({ diffs, cross_mode: cross }) + '\n');
    else
      process.stdout.write(
        diffText(
          diffs.map((d) => ({ label: `${d.mode} ${d.executionId}`, diff: d })),
          cross,
        ).join('\n') + '\n',
      );
    return diffs.some((d) => d.missingCount > 0) ? EXIT.BREACHED : EXIT.OK;
  } finally {
    await rows.close();
    await life.runCleanups();
  }
}
