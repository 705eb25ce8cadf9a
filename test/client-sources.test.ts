// The NoETL client and the rows sources against real sandboxes (Rust and Python dialects) and the real
// embedded Postgres with its two databases (noetl-contract §6.1): system SQL (children, events,
// summarize, workload) directly and through the query endpoint; the fixture's tables only in the data
// database, which the query endpoint never sees (noetl/server src/handlers/database.rs runs on its own pool).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoetlClient, HttpStatusError } from '../src/noetl/client.js';
import { BUNDLED, bundledFile } from '../src/paths.js';
import { LoadrunError } from '../src/errors.js';
import { RowsSource } from '../src/sources/rows.js';
import { buildModeDiff } from '../src/diff/mode-diff.js';
import { DirectSql, EndpointSql } from '../src/sources/sql-runner.js';
import { sandbox, waitFor, type TestSandbox } from './helpers/sandbox.js';

describe.each(['rust', 'python'] as const)('client and sources, %s dialect', (dialect) => {
  let sb: TestSandbox;
  let client: NoetlClient;
  let direct: RowsSource;
  let endpoint: RowsSource;
  let data: DirectSql;
  let id: string;

  beforeAll(async () => {
    sb = await sandbox({ dialect });
    client = new NoetlClient({ baseUrl: sb.apiUrl, requestTimeoutMs: 5000 });
    data = new DirectSql(sb.dataPgUrl);
    direct = new RowsSource(data, new DirectSql(sb.pgUrl));
    endpoint = new RowsSource(data, new EndpointSql(client));
    expect(await client.detectDialect()).toBe(dialect);
    for (const f of [BUNDLED.workerFile, BUNDLED.parentFile])
      await client.register(readFileSync(bundledFile(f), 'utf8'));
    id = await client.execute(BUNDLED.parentPath, {
      execution_mode: 'chunked_optimal',
      seed_rows: 60,
      batch_size: 20,
      max_batches: 3,
      payload_kb_per_item: 8,
      batch_worker_path: BUNDLED.workerPath,
    });
    await waitFor(async () => ((await client.status(id)).state !== 'running' ? true : undefined), 120_000);
  });
  afterAll(async () => {
    await direct?.close();
    await data?.close();
    await client?.close();
    await sb?.close();
  });

  it('detects the sandbox and normalises status', async () => {
    expect(client.sandbox).toBe(true);
    const st = await client.status(id);
    expect(st).toMatchObject({ executionId: id, state: 'completed', currentStep: 'end' });
    expect(BigInt(id) > 2n ** 53n).toBe(true);
  });

  it('lists the registered catalog paths', async () => {
    const paths = await client.catalogPaths();
    expect(paths.has(BUNDLED.parentPath)).toBe(true);
    expect(paths.has(BUNDLED.workerPath)).toBe(true);
  });

  it('reads events by cursor, equal to the event log, ids as strings', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const evs = await client.eventsAfter(id, cursor, 25);
      if (!evs.length) break;
      for (const e of evs) expect(typeof e.eventId).toBe('string');
      seen.push(...evs.map((e) => e.eventId));
      cursor = evs[evs.length - 1].eventId;
    }
    const db = (
      await sb.pool.query(`SELECT event_id::text AS id FROM noetl.event WHERE execution_id = $1 ORDER BY event_id`, [
        id,
      ])
    ).rows.map((r) => r.id);
    expect(seen).toEqual(db);
  });

  it('finds child executions with their batch numbers through both sources', async () => {
    for (const src of [direct, endpoint]) {
      const ch = await src.children([id]);
      expect(ch.map((c) => c.batchNumber).sort()).toEqual([1, 2, 3]);
      expect(ch.every((c) => c.parentExecutionId === id)).toBe(true);
      // The parent each chunk worker's own input names (the bundled fixture passes it), read from its start row.
      expect(ch.map((c) => c.inputParent)).toEqual([id, id, id]);
    }
  });

  it('keeps the fixture tables in the data database: the query endpoint does not see them', async () => {
    const tables = async (p: { query: (s: string) => Promise<{ rows: Array<{ n: number }> }> }) =>
      (await p.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'heavy_payload_results'`)).rows[0].n;
    expect(await tables(sb.pool)).toBe(0);
    expect(await tables(sb.dataPool)).toBe(1);
    const blind = new RowsSource(new EndpointSql(client), undefined);
    expect((await blind.stats(id)).storedRows).toBe(0);
    expect(blind.tableMissing).toBe(true);
    const err = await blind.missingRanges(id, 60).catch((e: LoadrunError) => e);
    expect(err).toBeInstanceOf(LoadrunError);
    expect((err as LoadrunError).line()).toMatch(
      /public.heavy_payload_results does not exist in the NoETL system database through .* — .*--data-pg-url/,
    );
    const sys = await blind.children([id]).catch((e: LoadrunError) => e);
    expect((sys as LoadrunError).line()).toMatch(/needs the NoETL system database.* — give --pg-url/);
  });

  it('reads the same stats, missing ranges, events and summarize through both sources', async () => {
    await sb.dataPool.query(
      `DELETE FROM public.heavy_payload_results WHERE execution_id = $1 AND item_id IN (5, 6, 7, 50, 60)`,
      [id],
    );
    for (const src of [direct, endpoint]) {
      const s = await src.stats(id);
      expect(s).toMatchObject({ storedRows: 55, okRows: 55, minItemId: 1, maxItemId: 59, avgRequestBytes: 8192 });
      expect(s.perBatch).toEqual({ '1': 17, '2': 20, '3': 18 });
      expect(await src.missingRanges(id, 60)).toEqual([
        [5, 7],
        [50, 50],
        [60, 60],
      ]);
      const sum = (await src.summarize(id)) as { data: Record<string, number> };
      expect(sum.data).toMatchObject({ stored_rows: 60, expected_rows: 60, missing_rows: 0 });
      const w = await src.workload(id);
      expect(w).toMatchObject({ execution_mode: 'chunked_optimal', seed_rows: 60 });
      const kids = (await src.children([id])).map((c) => c.executionId);
      const evs = await src.eventsAfter([id, ...kids], null, 10_000);
      const total = (
        await sb.pool.query(`SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = ANY($1::bigint[])`, [
          [id, ...kids],
        ])
      ).rows[0].n;
      expect(evs.length).toBe(total);
    }
    expect(direct.queries).toBeGreaterThan(0);
    expect(endpoint.system!.queries).toBeGreaterThan(0);
  });

  it('reads missing ranges at both edges, with nothing stored and with ids past the expected count (both sources)', async () => {
    const some = '999000000000000001';
    const none = '999000000000000002';
    const stored = [2, 3, 4, 8, 10, 12]; // 12 is past the expected 10
    await sb.dataPool.query(
      `INSERT INTO public.heavy_payload_results (execution_id, item_id, item_key, mode) SELECT $1, g, 'Item-' || g, 'test' FROM unnest($2::int[]) g`,
      [some, stored],
    );
    try {
      for (const src of [direct, endpoint]) {
        expect(await src.missingRanges(some, 10)).toEqual([
          [1, 1],
          [5, 7],
          [9, 9],
        ]);
        expect(await src.missingRanges(some, 12)).toEqual([
          [1, 1],
          [5, 7],
          [9, 9],
          [11, 11],
        ]);
        expect(await src.missingRanges(some, 1)).toEqual([[1, 1]]);
        expect(await src.missingRanges(none, 10)).toEqual([[1, 10]]);
      }
    } finally {
      await sb.dataPool.query(`DELETE FROM public.heavy_payload_results WHERE execution_id = $1`, [some]);
    }
  });

  it('builds the final diff without reading gaps when every item is stored, and with them otherwise', async () => {
    const full = '999000000000000003';
    const holed = '999000000000000004';
    await sb.dataPool.query(
      `INSERT INTO public.heavy_payload_results (execution_id, item_id, item_key, mode) SELECT $1, g, 'Item-' || g, 'test' FROM generate_series(1, 30) g`,
      [full],
    );
    await sb.dataPool.query(
      `INSERT INTO public.heavy_payload_results (execution_id, item_id, item_key, mode) SELECT $1, g, 'Item-' || g, 'test' FROM generate_series(2, 31) g`,
      [holed],
    );
    const params = { seedRows: 30, payloadKb: 1, batchSize: 10, maxBatches: 3 };
    try {
      const before = data.queries;
      const complete = await buildModeDiff(direct, 'direct_stress', full, 30, params);
      expect(complete.diff).toMatchObject({ stored: 30, missingCount: 0, missing: [] });
      expect(data.queries - before).toBe(2); // the counts and the batches; no read of the gaps
      // As many rows as expected, but one of them past the end: the gaps are read and item 1 is missing.
      const mid = data.queries;
      const shifted = await buildModeDiff(direct, 'direct_stress', holed, 30, params);
      expect(shifted.diff).toMatchObject({ stored: 30, missingCount: 1, missing: [[1, 1]] });
      expect(data.queries - mid).toBe(3);
    } finally {
      await sb.dataPool.query(`DELETE FROM public.heavy_payload_results WHERE execution_id = ANY($1)`, [[full, holed]]);
    }
  });

  it('finds summarize in the last events first, and in the whole execution when 600 events came after it', async () => {
    const before = direct.queries;
    expect(((await direct.summarize(id)) as { data: Record<string, number> }).data).toMatchObject({ stored_rows: 60 });
    expect(direct.queries - before).toBe(1); // found in the tail: one bounded read
    const top = (await sb.pool.query(`SELECT max(event_id)::text AS m FROM noetl.event WHERE execution_id = $1`, [id]))
      .rows[0].m;
    await sb.pool.query(
      `INSERT INTO noetl.event (execution_id, catalog_id, event_id, event_type, node_name, status) SELECT $1::bigint, 1, $2::bigint + g, 'step.exit', 'after', 'COMPLETED' FROM generate_series(1, 600) g`,
      [id, top],
    );
    try {
      for (const src of [direct, endpoint])
        expect(((await src.summarize(id)) as { data: Record<string, number> }).data).toMatchObject({
          stored_rows: 60,
          missing_rows: 0,
        });
    } finally {
      await sb.pool.query(`DELETE FROM noetl.event WHERE execution_id = $1 AND event_id > $2::bigint`, [id, top]);
    }
  });

  // NOETL_PERMANENT_LOG_LEAN=true on the Rust server rewrites a persisted result to
  // context.result = {status, reference: {ref, extracted, meta}} (noetl/server
  // src/services/permanent_log_lean.rs, build_extracted: arrays keep their first element).
  it("reads a lean log's summarize as its reference and extracted block, never as the whole value", async () => {
    const lean = '991000000000000001';
    const reference = {
      kind: 'result_ref',
      ref: `noetl://execution/${lean}/result/summarize/1`,
      extracted: { data: { stored_rows: 60, missing_ids: [7] } },
      meta: { bytes: 90210 },
    };
    await sb.pool.query(
      `INSERT INTO noetl.event (execution_id, catalog_id, event_id, event_type, node_name, status, result) VALUES ($1::bigint, 1, $1::bigint + 1, 'call.done', 'summarize', 'COMPLETED', $2::jsonb)`,
      [
        lean,
        JSON.stringify({ status: 'COMPLETED', context: { command_id: 'c1', result: { status: 'ok', reference } } }),
      ],
    );
    try {
      for (const src of [direct, endpoint])
        expect(await src.summarize(lean)).toEqual({
          lean_reference: reference.ref,
          extracted: { stored_rows: 60, missing_ids: [7] },
        });
    } finally {
      await sb.pool.query(`DELETE FROM noetl.event WHERE execution_id = $1::bigint`, [lean]);
    }
  });

  it('binds hostile ids as parameters: quotes and semicolons are data, not SQL', async () => {
    const hostile = "1'; DROP TABLE public.heavy_payload_results; --";
    expect((await direct.stats(hostile)).storedRows).toBe(0);
    await expect(endpoint.children([hostile])).rejects.toThrow(/non-numeric id/);
    const still = await sb.dataPool.query(`SELECT count(*)::int AS n FROM public.heavy_payload_results`);
    expect(still.rows[0].n).toBe(55);
  });

  it('maps failures to clear errors', async () => {
    await expect(client.status('999')).rejects.toBeInstanceOf(HttpStatusError);
    await expect(client.status('abc')).rejects.toThrow(/is not a number/);
    const dead = new NoetlClient({ baseUrl: 'http://127.0.0.1:1', requestTimeoutMs: 500, retries: 1 });
    await expect(dead.health()).rejects.toThrow(/connection refused at http:\/\/127\.0\.0\.1:1/);
    await dead.close();
  });
});
