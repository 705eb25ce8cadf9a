// Launching one mode. Execute is not idempotent, so a launch that failed on the network (a dropped
// port-forward mid-request) is never blindly repeated: the payload carries a launch id, and the event log
// is asked whether that execution started before trying again.
import { randomUUID } from 'node:crypto';
import { oneLine } from '../errors.js';
import type { Mode } from '../model.js';
import type { NoetlClient } from '../noetl/client.js';
import { HttpStatusError } from '../noetl/normalise.js';
import type { RowsSource } from '../sources/rows.js';
import { sleep } from './sleep.js';

export interface LaunchContext {
  client: NoetlClient;
  rows: RowsSource;
  signal: AbortSignal;
  log(level: 'info' | 'warn', text: string): void;
}

export async function launchMode(
  ctx: LaunchContext,
  mode: Mode,
  path: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const launchId = randomUUID();
  const body = { ...payload, loadrun_launch_id: launchId };
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.client.execute(path, body);
    } catch (err) {
      if (err instanceof HttpStatusError || attempt >= 4 || ctx.signal.aborted) throw err; // the server answered: final
      ctx.log('warn', `launch of ${mode} failed on the network (${oneLine(err)}); checking whether it started`);
      await sleep(1000 * attempt, ctx.signal);
      const started = await ctx.rows.launched(launchId).catch(() => undefined);
      if (started) {
        ctx.log('info', `${mode} had started as execution ${started}`);
        return started;
      }
    }
  }
}

/** How long the first execution must show an end before the second launch stops waiting for tables. */
const ENDED_FOR_MS = 5000;

/**
 * On a data database without the fixture tables: a wait, for the second launch, until they exist (two
 * `CREATE TABLE IF NOT EXISTS` of one table at once collide in Postgres). It ends too when the first launch
 * was refused or its execution has shown an end for 5 s: then no tables are coming where the tool looks (it
 * reads another database than the playbook writes, say), and waiting up to its two-minute bound would only
 * delay the run.
 */
export async function tablesFirst(
  ctx: LaunchContext,
  mode: Mode,
): Promise<((first: Promise<string>) => Promise<void>) | undefined> {
  if (await ctx.rows.fixtureTablesExist().catch(() => true)) return undefined;
  ctx.log('info', `no fixture tables yet: ${mode} first, the other mode once they exist`);
  return async (first) => {
    const id = await first.catch(() => undefined);
    let endedSince: number | undefined;
    for (let waited = 0; id && waited < 120_000 && !ctx.signal.aborted; waited += 500) {
      if (await ctx.rows.fixtureTablesExist().catch(() => false)) return;
      // Ended means ended for a while: a status can show an end between two steps (Rust), or infer one
      // (Python's completion_inferred, right after launch too): noetl-contract §6.3.
      const st = await ctx.client.status(id).catch(() => undefined);
      const ended = st !== undefined && st.state !== 'running' && !st.inferred;
      endedSince = ended ? (endedSince ?? Date.now()) : undefined;
      if (endedSince !== undefined && Date.now() - endedSince >= ENDED_FOR_MS) return;
      await sleep(500, ctx.signal);
    }
  };
}
