// cleanup (issue 14): exactly the given executions' rows go, after a confirmation; never through the
// query endpoint (here disabled, as in production).
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { api, sandbox, type TestSandbox } from './helpers/sandbox.js';

const SMALL = ['--seed-rows', '20', '--payload-kb', '2', '--batch-size', '10', '--max-batches', '2', '--no-tui'];

describe('cleanup', () => {
  let sb: TestSandbox;
  let target: string[];
  const runIds = async (extra: string[] = []) => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-clean-')), 'r');
    const r = await runCli([...target, ...SMALL, ...extra, '--report-dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return {
      ids: JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).modes.map(
        (m: { execution_id: string }) => m.execution_id,
      ) as string[],
      out: r.stdout,
    };
  };
  const count = async (ids: string[]) => {
    const q = (t: string) =>
      sb.dataPool.query(`SELECT count(*)::int AS n FROM public.${t} WHERE execution_id = ANY($1::text[])`, [ids]);
    return {
      results: (await q('heavy_payload_results')).rows[0].n,
      source: (await q('heavy_payload_source')).rows[0].n,
    };
  };
  beforeAll(async () => {
    sb = await sandbox({ extraArgs: ['--db-routes', 'disabled'] });
    target = ['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl];
  });
  afterAll(async () => sb?.close());

  it("deletes exactly the given executions' rows, and refuses without confirmation", async () => {
    const a = (await runIds()).ids;
    const b = (await runIds()).ids;
    expect(await count(a)).toEqual({ results: 40, source: 40 });
    const refused = await runCli(['cleanup', ...a, ...target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /refusing to delete 40 rows of public.heavy_payload_results and 40 of public.heavy_payload_source .* without confirmation — pass --yes/,
    );
    expect(await count(a)).toEqual({ results: 40, source: 40 });
    const done = await runCli(['cleanup', ...a, ...target, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      /deleted 40 rows of public.heavy_payload_results and 40 of public.heavy_payload_source in demo_noetl on 127\.0\.0\.1:\d+/,
    );
    expect(await count(a)).toEqual({ results: 0, source: 0 });
    expect(await count(b)).toEqual({ results: 40, source: 40 });
    const info = (await api(sb.apiUrl, 'GET', '/api/sandbox/info')).json;
    expect(info.query_endpoint.notReads).toBe(0); // no write went through the query endpoint
  });

  it('--cleanup on a run deletes its rows after the report is written', async () => {
    const { ids, out } = await runIds(['--cleanup']);
    expect(out).toMatch(/Result: exit 0[\s\S]*deleted 40 rows of public.heavy_payload_results/);
    expect(await count(ids)).toEqual({ results: 0, source: 0 });
  });
});
