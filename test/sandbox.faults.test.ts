// Sandbox fault profiles (emulation): the legacy loop-state cap stalls direct_stress while chunked_optimal
// completes (limits from noetl/noetl noetl/core/config.py: NOETL_INLINE_MAX_BYTES 65536,
// NOETL_PREVIEW_MAX_BYTES 1024; the frozen count and re-issued item from noetl-contract §6.7, the
// append_loop_result that noetl/core/cache/nats_kv.py says it replaced); injected HTTP errors exercise the retry policy; a killed python worker is replaced and its
// command re-dispatched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, registerBundled, sandbox, waitFor, type TestSandbox } from './helpers/sandbox.js';

const PARENT = 'loadrun/heavy_payload_pipeline_in_step_parallel';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('legacy-loop-state', () => {
  let sb: TestSandbox;
  let direct: string;
  let chunked: string;
  const params = { seed_rows: 220, payload_kb_per_item: 256, batch_size: 40, max_batches: 6 };
  // 256 KB items add about 3 KB each to the loop state (two references with 1 KiB previews and the small
  // results inline): the 1 MiB cap is reached near item 344, so the direct loop needs more items than that.
  const directRows = 400;

  beforeAll(async () => {
    // The legacy Python engine's loop state: the python dialect (the Rust engine issues a loop's items at once).
    sb = await sandbox({
      faults: ['legacy-loop-state'],
      dialect: 'python',
      extraArgs: ['--loop-inline-max-bytes', '65536'], // the reference-plus-preview state of 02-03
    });
    await registerBundled(sb.apiUrl);
    direct = (
      await api(sb.apiUrl, 'POST', '/api/execute', {
        path: PARENT,
        payload: { ...params, seed_rows: directRows, execution_mode: 'direct_stress' },
      })
    ).json.execution_id;
    chunked = (
      await api(sb.apiUrl, 'POST', '/api/execute', {
        path: PARENT,
        payload: { ...params, execution_mode: 'chunked_optimal' },
      })
    ).json.execution_id;
    await waitFor(
      async () =>
        (await api(sb.apiUrl, 'GET', `/api/executions/${chunked}/status`)).json.completed === true ? true : undefined,
      150_000,
    );
    await waitFor(async () => (sb.logs.some((l) => l.includes('count frozen at')) ? true : undefined), 60_000);
  });
  afterAll(async () => sb?.close());

  const rows = async (id: string) =>
    (
      await sb.dataPool.query(
        `SELECT count(*)::int AS n, max(item_id) AS max FROM public.heavy_payload_results WHERE execution_id = $1`,
        [id],
      )
    ).rows[0];
  const events = async (id: string) =>
    (await sb.pool.query(`SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1`, [id])).rows[0].n;

  it('completes chunked_optimal with every row', async () => {
    expect((await rows(chunked)).n).toBe(220);
  });

  it('stops direct_stress gaining rows near item 344 while its events keep flowing, still RUNNING', async () => {
    // The iterations in flight at the rejected write finish: the row count holds over two reads.
    let last = await rows(direct);
    for (let i = 0; i < 50; i++) {
      await sleep(300);
      const now = await rows(direct);
      if (now.n === last.n) break;
      last = now;
    }
    const before = { rows: await rows(direct), events: await events(direct) };
    // Then events go on (the item at the frozen index issued again) while no row is added.
    for (let i = 0; i < 100 && (await events(direct)) < before.events + 10; i++) await sleep(200);
    const after = { rows: await rows(direct), events: await events(direct) };
    expect(after.rows).toEqual(before.rows);
    expect(after.events).toBeGreaterThan(before.events); // the item at the frozen index is issued again and again
    expect(after.rows.n).toBeGreaterThanOrEqual(300);
    expect(after.rows.n).toBeLessThan(directRows);
    expect(after.rows.max).toBeLessThan(directRows); // the loop never gets to the last items
    const st = await api(sb.apiUrl, 'GET', `/api/executions/${direct}/status`);
    expect([st.json.completed, st.json.failed]).toEqual([false, false]); // Python's status: still running
    expect(st.json.current_step).toBe('run_direct_stress');
  });

  it('logs the refused put once, as the legacy engine did, and writes no event no engine wrote', async () => {
    // The pre-PR #220 engine's KV put failed on NATS's max_payload and was only logged (noetl-contract §6.7).
    const lines = sb.logs.filter((l) => /loop state put of \d+ bytes failed: nats: maximum payload exceeded/.test(l));
    expect(lines).toHaveLength(1);
    expect(Number(/put of (\d+) bytes/.exec(lines[0])![1])).toBeGreaterThan(1024 * 1024);
    const { rows } = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type LIKE 'loop.state%'`,
      [direct],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('http-errors and worker-crash', () => {
  let sb: TestSandbox;
  let id: string;

  beforeAll(async () => {
    sb = await sandbox({
      faults: ['http-errors', 'worker-crash'],
      extraArgs: ['--http-error-rate', '0.15', '--crash-after-calls', '30'],
    });
    await registerBundled(sb.apiUrl);
    id = (
      await api(sb.apiUrl, 'POST', '/api/execute', {
        path: PARENT,
        payload: { execution_mode: 'direct_stress', seed_rows: 60, payload_kb_per_item: 8 },
      })
    ).json.execution_id;
    await waitFor(
      async () =>
        (await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`)).json.status !== 'RUNNING' ? true : undefined,
      150_000,
    );
  });
  afterAll(async () => sb?.close());

  it('retries injected 503s per the policy and accounts for every item', async () => {
    // The default rust dialect logs its retries and writes no event for them (noetl-contract §6.6).
    const retries = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.error' AND status = 'RETRYING' AND meta->>'http_status' = '503'`,
      [id],
    );
    expect(retries.rows[0].n).toBe(0);
    // At RUST_LOG=info a single retry is not logged (DEBUG, noetl/tools src/tools/task_sequence.rs 656-672): only a
    // retry that ran out of attempts would show (633-637).
    expect(sb.logs.filter((l) => /task_sequence: retrying|retry \d+\/\d+ of/.test(l))).toEqual([]);
    const info = await api(sb.apiUrl, 'GET', '/api/sandbox/info');
    expect(info.json.echo.injectedErrors).toBeGreaterThan(0);
    expect(info.json.emulation).toBe(true);
    const stored = (
      await sb.dataPool.query(`SELECT count(*)::int AS n FROM public.heavy_payload_results WHERE execution_id = $1`, [
        id,
      ])
    ).rows[0].n;
    const failed = (
      await sb.pool.query(
        `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type = 'command.failed' AND node_name = 'run_direct_stress'`,
        [id],
      )
    ).rows[0].n;
    expect(stored + failed).toBe(60);
  });

  it('replaces a killed python worker and re-dispatches its command', async () => {
    // The lost command is claimed and started again, as a redelivery: no event says "retry".
    const again = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type = 'command.started' AND meta->>'dispatch' = '2'`,
      [id],
    );
    expect(again.rows[0].n).toBe(1);
    const info = await api(sb.apiUrl, 'GET', '/api/sandbox/info');
    expect(info.json.python_restarts).toBe(1);
    expect(sb.logs.some((l) => /killed python worker \d+/.test(l))).toBe(true);
    const st = await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`);
    expect(st.json.status).toBe('COMPLETED');
  });
});
