// The sandbox end to end over HTTP, in both server dialects: register the bundled playbooks, run the
// smoke and stress presets, and check status, Postgres rows, the event log read back by cursor, and the
// contract's bad-input answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, registerBundled, sandbox, waitFor, SMOKE, STRESS, type TestSandbox } from './helpers/sandbox.js';

const PARENT = 'loadrun/heavy_payload_pipeline_in_step_parallel';
/** A command whose result is over the context budget (100 KB on the Rust worker): stored by reference. */
const BIG_RESULT = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: big_result
  path: tests/big_result
workflow:
  - step: start
    tool:
      kind: python
      code: |
        result = {"blob": "x" * (150 * 1024), "size": 150 * 1024}
`;

describe.each(['rust', 'python'] as const)('sandbox, %s dialect', (dialect) => {
  let sb: TestSandbox;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    sb = await sandbox({ dialect });
    await registerBundled(sb.apiUrl);
    const big = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
      content: BIG_RESULT,
      resource_type: 'Playbook',
    });
    expect(big.status).toBe(200);
    // The fixture preset (240 x 256 KB, chunked) is the smoke run at a larger size; it is run by hand, not in
    // CI, to keep the suite within its time budget.
    for (const [name, path, payload] of [
      ['smoke', PARENT, SMOKE],
      ['stress', PARENT, STRESS],
      ['big', 'tests/big_result', {}],
    ] as const) {
      const r = await api(sb.apiUrl, 'POST', '/api/execute', { path, payload });
      expect(r.status).toBe(200);
      expect(r.json.status).toBe('started');
      expect(typeof r.json.execution_id).toBe('string'); // both servers answer execute with a string id
      ids[name] = r.json.execution_id;
    }
    for (const id of Object.values(ids)) {
      await waitFor(async () => {
        const s = await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`);
        const done = dialect === 'rust' ? s.json.status !== 'RUNNING' : s.json.completed || s.json.failed;
        return done ? s : undefined;
      }, 150_000);
    }
  });
  afterAll(async () => sb?.close());

  it('tallies where its time went per stage (GET /api/sandbox/stages), and starts a new tally on reset', async () => {
    const r = await api(sb.apiUrl, 'GET', '/api/sandbox/stages?reset=1');
    expect(r.status).toBe(200);
    // two runs of the fixture: three python calls, one http call and a postgres write per item, big results stored
    for (const stage of [
      'python queue wait',
      'python run',
      'http call',
      'postgres tool',
      'result store write',
      'result JSON encoding',
      'event writes',
      'template rendering',
    ]) {
      expect(r.json.stages[stage]?.calls, stage).toBeGreaterThan(0);
    }
    expect(r.json.stages['python run'].calls).toBe(r.json.stages['python queue wait'].calls);
    expect((await api(sb.apiUrl, 'GET', '/api/sandbox/stages')).json.stages).toEqual({});
  });

  it('reports COMPLETED in the dialect status shape', async () => {
    for (const id of Object.values(ids)) {
      const s = await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`);
      expect(s.status).toBe(200);
      if (dialect === 'rust') {
        expect(s.json.status).toBe('COMPLETED');
        expect(s.json).not.toHaveProperty('completed');
        expect(s.json.progress.failed_steps).toBe(0);
        // 64-bit id emitted as a JSON number, exactly
        expect(s.text).toContain(`"execution_id":${id}`);
        expect(BigInt(id) > 2n ** 53n).toBe(true);
      } else {
        expect(s.json).not.toHaveProperty('status');
        expect(s.json.completed).toBe(true);
        expect(s.json.failed).toBe(false);
        expect(s.json.execution_id).toBe(id);
      }
    }
  });

  // The bundled pair uses only forms both engines read (body:, (x.command_0 or x).rows, execution_id, an
  // envelope-neutral retry rule, either loop result shape), so every preset completes on both.
  it('stores every expected row with HTTP 200 and nothing missing', async () => {
    for (const [name, expected] of [
      ['smoke', 120],
      ['stress', 220],
    ] as const) {
      const { rows } = await sb.dataPool.query(
        `SELECT count(*)::int AS stored, count(*) FILTER (WHERE http_status = 200)::int AS ok,
           (SELECT count(*)::int FROM public.heavy_payload_source s WHERE s.execution_id = $1
              AND NOT EXISTS (SELECT 1 FROM public.heavy_payload_results r WHERE r.execution_id = s.execution_id AND r.item_id = s.item_id)) AS missing
         FROM public.heavy_payload_results WHERE execution_id = $1`,
        [ids[name]],
      );
      expect(rows[0]).toEqual({ stored: expected, ok: expected, missing: 0 });
    }
    const batches = await sb.dataPool.query(
      `SELECT batch_number, count(*)::int AS n FROM public.heavy_payload_results WHERE execution_id = $1 GROUP BY 1 ORDER BY 1`,
      [ids.smoke],
    );
    expect(batches.rows).toEqual([1, 2, 3, 4].map((b) => ({ batch_number: b, n: 30 })));
    for (const [name, kb] of [
      ['smoke', 220],
      ['stress', 256],
    ] as const) {
      const req = await sb.dataPool.query(
        `SELECT min(request_bytes) AS lo, max(request_bytes) AS hi, min(response_bytes) AS r, bool_and(has_response) AS has FROM public.heavy_payload_results WHERE execution_id = $1`,
        [ids[name]],
      );
      expect(req.rows[0]).toMatchObject({ lo: kb * 1024, hi: kb * 1024, has: true });
      expect(req.rows[0].r).toBeGreaterThan(2 * kb * 1024); // the body was really sent: the echo carries it twice (data + json)
    }
  });

  it('writes the dialect event types, child links and large results by reference', async () => {
    const types = (await sb.pool.query(`SELECT DISTINCT event_type FROM noetl.event`)).rows.map((r) => r.event_type);
    if (dialect === 'rust') {
      expect(types).toEqual(
        expect.arrayContaining([
          'playbook_started',
          'step.enter',
          'command.issued',
          'command.started',
          'call.done',
          'command.completed',
          'playbook.completed',
        ]),
      );
      expect(types).not.toContain('loop.done');
    } else {
      expect(types).toEqual(
        expect.arrayContaining(['playbook.initialized', 'step.exit', 'loop.done', 'playbook.completed']),
      );
    }
    const children = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE parent_execution_id = $1 AND event_type IN ('playbook_started','playbook.initialized')`,
      [ids.smoke],
    );
    expect(children.rows[0].n).toBe(4);
    // One call.done per command, carrying the command's final result (noetl/worker src/executor/command.rs
    // 1023-1033; Python 4.26.0 the same, seen by test/real-engine): the stress items' final results are
    // small, so none of them is by reference.
    const stressDone = await sb.pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE result::text LIKE '%"result_ref"%')::int AS refs
         FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.done' AND node_name LIKE 'run_direct_stress%'`,
      [ids.stress],
    );
    expect(stressDone.rows[0]).toEqual({ n: 220, refs: 0 });
    const refs = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.done'
         AND coalesce(result->'context'->'result'->'reference', result->'reference')->>'kind' = 'result_ref'`,
      [ids.big],
    );
    expect(refs.rows[0].n).toBe(1);
    // The row holds the result itself (sent as jsonb's binary input, src/sandbox/json-bytes.ts), its JSON
    // as long as the length recorded beside it.
    const store = await sb.pool.query(
      `SELECT bytes, data::text AS text FROM noetl.result_store WHERE execution_id = $1`,
      [ids.big],
    );
    expect(store.rows).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(JSON.parse(store.rows[0].text)))).toBe(store.rows[0].bytes);
    expect(JSON.parse(store.rows[0].text)).toMatchObject({ size: 150 * 1024 });
  });

  it('serves the events by cursor with no gap and no duplicate', async () => {
    const id = ids.stress;
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      let batch: string[];
      if (dialect === 'rust') {
        const r = await api(
          sb.apiUrl,
          'GET',
          `/api/ehdb/executions/${id}/events?limit=97${cursor ? `&after=${cursor}` : ''}`,
        );
        expect(r.status).toBe(200);
        batch = r.json.events.map((e: { event_id: string }) => e.event_id);
        expect(batch.every((e) => typeof e === 'string')).toBe(true);
        if (batch.length === 97) expect(r.json.next_cursor).toBe(batch[96]);
      } else {
        // Newest first, page by page (noetl/noetl noetl/server/api/execution/endpoint.py, ORDER BY event_id DESC).
        const r = await api(sb.apiUrl, 'GET', `/api/executions/${id}/events?page_size=97&page=${page + 1}`);
        expect(r.status).toBe(200);
        batch = r.json.events.map((e: { event_id: string }) => e.event_id);
        expect([...batch].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1))).toEqual(batch);
      }
      if (!batch.length) break;
      seen.push(...batch);
      cursor = batch[batch.length - 1];
    }
    if (dialect === 'python') seen.reverse();
    const db = (
      await sb.pool.query(`SELECT event_id::text AS id FROM noetl.event WHERE execution_id = $1 ORDER BY event_id`, [
        id,
      ])
    ).rows.map((r) => r.id);
    expect(db.length).toBeGreaterThan(1000);
    expect(seen).toEqual(db);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps the summarize result where the dialect keeps it', async () => {
    const sql =
      dialect === 'rust'
        ? `SELECT result->'context'->'result'->'context'->'data' AS d FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.done' AND node_name = 'summarize'`
        : `SELECT result->'context' AS d FROM noetl.event WHERE execution_id = $1 AND event_type = 'step.exit' AND node_name = 'summarize'`;
    const { rows } = await sb.pool.query(sql, [ids.smoke]);
    expect(rows[0].d.data).toMatchObject({
      expected_rows: 120,
      stored_rows: 120,
      missing_rows: 0,
      chunked_mode_rows: 120,
      max_batch_number: 4,
    });
    expect(rows[0].d.execution).toEqual({ loop_iterations: 4, failed_iterations: 0 });
  });

  it('answers bad input as the contract does', async () => {
    const invalidYaml = await api(sb.apiUrl, 'POST', '/api/catalog/register', { content: 'a: [unclosed' });
    expect(invalidYaml.status).toBe(422);
    expect(invalidYaml.text).toContain('Invalid YAML');
    const noMeta = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
      content: 'apiVersion: noetl.io/v2\nkind: Playbook\n',
    });
    expect(noMeta.status).toBe(422);
    expect(noMeta.text).toContain("Missing 'metadata' section");
    const unsupported = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
      content:
        'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x, path: t/x}\nworkflow:\n  - step: start\n    tool: {kind: duckdb, query: "select 1"}\n',
    });
    // Rust registers any YAML with metadata and refuses at execute (noetl/server src/handlers/execute.rs);
    // Python refuses at register.
    const refusal =
      dialect === 'rust' ? await api(sb.apiUrl, 'POST', '/api/execute', { path: 't/x', payload: {} }) : unsupported;
    expect(unsupported.status).toBe(dialect === 'rust' ? 200 : 422);
    expect(refusal.status).toBe(422);
    expect(refusal.text).toContain("tool kind 'duckdb'");
    const unknown = await api(sb.apiUrl, 'POST', '/api/execute', { path: 'no/such/playbook' });
    expect(unknown.status).toBe(404);
    const neither = await api(sb.apiUrl, 'POST', '/api/execute', { payload: {} });
    expect(neither.status).toBe(422);
    const malformed = await api(sb.apiUrl, 'POST', '/api/execute', undefined, '{"path": ');
    const missingExec = await api(sb.apiUrl, 'GET', '/api/executions/12345/status');
    expect(missingExec.status).toBe(404);
    if (dialect === 'rust') {
      expect(invalidYaml.json).toEqual({ error: expect.stringContaining('Invalid YAML'), status: 422 });
      expect(unknown.json).toEqual({ error: 'Playbook not found: no/such/playbook', status: 404 });
      expect(malformed.status).toBe(400);
      expect(malformed.contentType).toContain('text/plain');
      expect(missingExec.json).toEqual({ error: 'Execution not found: 12345', status: 404 });
      const badId = await api(sb.apiUrl, 'GET', '/api/executions/abc/status');
      expect(badId.status).toBe(400);
      expect((await api(sb.apiUrl, 'GET', `/api/executions/${ids.smoke}/events`)).status).toBe(404);
      const cancelDone = await api(sb.apiUrl, 'POST', `/api/executions/${ids.smoke}/cancel`, { cascade: true });
      expect(cancelDone.status).toBe(422);
      const multi = await api(sb.apiUrl, 'POST', '/api/postgres/execute', {
        query: 'SELECT 1; SELECT 2',
        schema: 'noetl',
      });
      expect(multi.status).toBe(500);
      const ts = await api(sb.apiUrl, 'POST', '/api/postgres/execute', {
        query: `SELECT created_at, created_at::text AS t, execution_id FROM noetl.event WHERE execution_id = ${ids.smoke} LIMIT 1`,
        schema: 'noetl',
      });
      expect(ts.json.result[0].created_at).toBeNull();
      expect(typeof ts.json.result[0].t).toBe('string');
      expect(ts.text).toContain(`"execution_id":${ids.smoke}`);
    } else {
      expect(invalidYaml.json.detail).toContain('Invalid YAML');
      expect(malformed.status).toBe(422);
      expect(Array.isArray(malformed.json.detail)).toBe(true);
      expect((await api(sb.apiUrl, 'GET', `/api/ehdb/executions/${ids.smoke}/events`)).status).toBe(404);
      const cancelDone = await api(sb.apiUrl, 'POST', `/api/executions/${ids.smoke}/cancel`, {});
      expect(cancelDone.status).toBe(400);
      const sqlErr = await api(sb.apiUrl, 'POST', '/api/postgres/execute', {
        query: 'SELECT * FROM nope',
        schema: 'public',
      });
      expect(sqlErr.status).toBe(200);
      expect(sqlErr.json.status).toBe('error');
    }
  });
});
