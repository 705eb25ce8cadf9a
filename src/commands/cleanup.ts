// `noetl-loadrun cleanup <execution_id>...`: deletes those executions' rows from the fixture's tables in
// the data database, after showing the counts and a confirmation (--yes for scripts; without a terminal
// and without --yes it refuses). Writes only through a direct connection, never the query endpoint.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import { assertId } from '../noetl/client.js';
import { registerSecret } from '../redact.js';
import { cleanupRows } from '../run/cleanup.js';
import { openRows, type RowsOpts } from './open-rows.js';
import { checkPgUrl } from './run-config.js';

export interface CleanupOpts extends RowsOpts {
  yes?: boolean;
}

/**
 * A run's report folder stands for the executions it launched (its summary.json), and, without a server
 * flag, for the server it ran on (a sandbox's is gone with it: its rows went with its Postgres).
 */
function idsOf(args: string[], o: CleanupOpts): string[] {
  return args.flatMap((a) => {
    if (/^\d+$/.test(a) || !existsSync(path.join(a, 'summary.json'))) return [assertId(a)];
    const s = JSON.parse(readFileSync(path.join(a, 'summary.json'), 'utf8')) as {
      modes?: Array<{ execution_id?: string | null }>;
      target?: { kind?: string; server_url?: string; serverUrl?: string };
    };
    if (s.target?.kind === 'sandbox' || s.target?.kind === 'local')
      throw usageError(
        `${a} is a run on the ${s.target.kind === 'local' ? 'local engine' : 'sandbox'}: its rows went with its own Postgres`,
        'nothing to clean up',
      );
    const url = s.target?.server_url ?? s.target?.serverUrl;
    if (url && !o.serverUrl && !o.host) o.serverUrl = url;
    const ids = (s.modes ?? []).flatMap((m) => (m.execution_id ? [m.execution_id] : []));
    if (!ids.length) throw usageError(`${a}/summary.json names no execution`, 'give the execution ids');
    return ids;
  });
}

export async function cleanupCommand(args: string[], o: CleanupOpts): Promise<number> {
  const ids = idsOf(args, o);
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
