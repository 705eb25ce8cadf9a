// `noetl-loadrun cleanup <execution_id>...`: deletes those executions' rows from the fixture's tables in
// the data database, after showing the counts and a confirmation (--yes for scripts; without a terminal
// and without --yes it refuses). Writes only through a direct connection, never the query endpoint.
import { Lifecycle } from '../lifecycle.js';
import { assertId } from '../noetl/client.js';
import { registerSecret } from '../redact.js';
import { cleanupRows } from '../run/cleanup.js';
import { openRows, type RowsOpts } from './open-rows.js';
import { checkPgUrl } from './run-config.js';

export interface CleanupOpts extends RowsOpts {
  yes?: boolean;
}

export async function cleanupCommand(ids: string[], o: CleanupOpts): Promise<number> {
  for (const id of ids) assertId(id);
  checkPgUrl(o.pgUrl);
  checkPgUrl(o.dataPgUrl, '--data-pg-url');
  registerSecret(o.sessionToken);
  const life = new Lifecycle();
  try {
    const { rows } = await openRows(o, life);
    return await cleanupRows(rows, ids, Boolean(o.yes), (s) => process.stdout.write(`${s}\n`));
  } finally {
    await life.runCleanups();
  }
}
