// The two sandbox dialects execute with their engine's tool semantics (noetl-contract §6.6), each pinned to
// the upstream code it follows:
// - http body fields: noetl/tools src/tools/http.rs (HttpConfig: body, json, form; no payload) and
//   noetl/noetl noetl/tools/http/executor.py (`payload`, or `body` as its alias; a dict goes as JSON);
// - the http result: http.rs build_response_data {status_code, headers, data, body}; Python adds url, elapsed;
// - postgres: noetl/tools src/tools/postgres.rs (the last statement, {columns, rows, row_count}); Python
//   collapses to the last statement with a statement_count (noetl 4.26.0: noetl/tools/postgres/response.py
//   collapse_results_to_last_command, since b2fd0519);
// - no `job` namespace on Rust; a Rust loop's result is the list of each iteration's command.completed
//   envelope in arrival order (orchestrate-core state.rs 793-812), Python's {results, stats};
// - both engines record a worker's claim: Rust command.claimed RUNNING (server src/handlers/events.rs
//   1155-1160), Python the same (noetl 4.26.0, seen by test/real-engine);
// - failures: on Rust a tool result with an error (an HTTP status after its retries, a python exception)
//   completes the command with status "error" and the run goes on to COMPLETED (noetl/worker
//   src/executor/command.rs 1005-1033, 1222-1258; ai-meta kind-regression-harness C10; RFC 246); on Python
//   a failed command is call.error + command.failed, the run goes on along its arcs and ends FAILED
//   (noetl 4.26.0, seen by test/real-engine);
// - what a retry rule sees: noetl/tools src/tools/task_sequence.rs wraps the result in {status, data, error}.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/model.js';
import { api, sandbox, waitFor, type TestSandbox } from './helpers/sandbox.js';
import { ROOT } from './helpers/cli.js';

const file = (f: string) => readFileSync(path.join(ROOT, 'test', 'playbooks', f), 'utf8');

async function register(sb: TestSandbox, text: string): Promise<void> {
  const r = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
    content: Buffer.from(text).toString('base64'),
    resource_type: 'Playbook',
  });
  if (r.status !== 200) throw new Error(`register: ${r.status} ${r.text}`);
}

async function runToEnd(
  sb: TestSandbox,
  p: string,
  payload: Record<string, unknown> = {},
): Promise<{ id: string; status: string }> {
  const id = String((await api(sb.apiUrl, 'POST', '/api/execute', { path: p, payload })).json.execution_id);
  const status = await waitFor(
    async () => {
      // Rust answers a status; Python flags (completed, failed), per noetl-contract §2.2.
      const j = (await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`)).json;
      const s = j.status ? String(j.status).toUpperCase() : j.failed ? 'FAILED' : j.completed ? 'COMPLETED' : 'RUNNING';
      return s === 'RUNNING' || s === 'PENDING' || s === 'STARTED' ? undefined : s;
    },
    60_000,
    200,
  );
  return { id, status };
}

for (const dialect of ['rust', 'python'] as Dialect[]) {
  describe(`the ${dialect} dialect`, () => {
    let sb: TestSandbox;
    let probe: Record<string, string>;
    let probeStatus: string;
    let probeId: string;
    beforeAll(async () => {
      sb = await sandbox({ dialect });
      await register(sb, file('semantics-probe.yaml'));
      await register(sb, file('semantics-failures.yaml'));
      const r = await runToEnd(sb, 'tests/semantics_probe');
      probeStatus = r.status;
      probeId = r.id;
      if (probeStatus !== 'COMPLETED') throw new Error(`probe ${probeStatus}: ${sb.logs.slice(-5).join(' | ')}`);
      const { rows } = await sb.dataPool.query('SELECT k, v FROM public.probe WHERE execution_id = $1', [r.id]);
      probe = Object.fromEntries(rows.map((x) => [x.k, x.v]));
    }, 120_000);
    afterAll(async () => sb?.close());

    it('sends the http body fields its engine reads', () => {
      expect(probeStatus).toBe('COMPLETED');
      if (dialect === 'rust') {
        expect(probe.payload).toBe(''); // no payload field: no body
        expect(JSON.parse(probe.body)).toEqual({ b: 2 });
        expect(probe.text).toBe('plain text');
        expect(JSON.parse(probe.json)).toEqual({ j: 3 });
        expect(probe.form).toBe('f=4');
        expect(probe.response_keys).toBe('body,data,headers,status_code');
      } else {
        expect(JSON.parse(probe.payload)).toEqual({ p: 1 });
        expect(JSON.parse(probe.body)).toEqual({ b: 2 }); // body is payload's alias
        expect(probe.text).toBe(''); // a string payload is not sent
        expect(probe.json).toBe(''); // json: and form: are not Python http fields
        expect(probe.form).toBe('');
        expect(probe.response_keys).toBe('data,elapsed,headers,status_code,url');
      }
    });

    it('shapes postgres results, the job namespace and loop results as its engine does', () => {
      const pgResult = JSON.parse(probe.postgres);
      const loop = JSON.parse(probe.loop);
      if (dialect === 'rust') {
        expect(pgResult).toEqual({ columns: ['a', 'b'], rows: [{ a: 1, b: 'x' }], row_count: 1 });
        expect(probe.job).toBe('');
        expect(loop).toHaveLength(3);
        for (const env of loop)
          expect(env).toEqual({ status: 'success', context: { command_id: expect.any(String), status: 'success' } });
      } else {
        expect(pgResult).toEqual({
          status: 'success',
          rows: [{ a: 1, b: 'x' }],
          row_count: 1,
          columns: ['a', 'b'],
          statement_count: 2,
        });
        expect(probe.job).toMatch(/^\d+$/);
        expect(loop.stats).toEqual({ total: 3, success: 3, failed: 0 });
        // Only the latest iteration's result (noetl 4.26.0 state.py 417-454), not one per item.
        expect(loop.results).toHaveLength(1);
        expect([10, 20, 30]).toContain(loop.results[0].tenfold);
      }
    });

    it('records each command as claimed (RUNNING) before it starts', async () => {
      const { rows } = await sb.pool.query(
        `SELECT event_type, status, count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type IN ('command.issued', 'command.claimed') GROUP BY 1, 2`,
        [probeId],
      );
      const n = Object.fromEntries(rows.map((x) => [`${x.event_type} ${x.status}`, x.n]));
      expect(n['command.issued PENDING']).toBeGreaterThan(0);
      expect(n['command.claimed RUNNING']).toBe(n['command.issued PENDING']);
    });

    it(
      dialect === 'rust'
        ? 'registers any YAML with metadata and refuses what it cannot run at execute'
        : 'refuses what it cannot run at register',
      async () => {
        const text =
          'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: tests/duck\nworkflow:\n  - step: start\n    tool:\n      kind: duckdb\n      query: select 1\n';
        const reg = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
          content: Buffer.from(text).toString('base64'),
          resource_type: 'Playbook',
        });
        if (dialect === 'python')
          return void expect([reg.status, reg.text]).toEqual([422, expect.stringContaining("tool kind 'duckdb'")]);
        expect(reg.status).toBe(200);
        const ex = await api(sb.apiUrl, 'POST', '/api/execute', { path: 'tests/duck', payload: {} });
        expect([ex.status, ex.text]).toEqual([422, expect.stringContaining("tool kind 'duckdb'")]);
      },
    );

    it('lets a retry rule see the envelope its engine builds', async () => {
      const { id, status } = await runToEnd(sb, 'tests/semantics_failures', { mode: 'retry' });
      // Rust: the 404 after its attempts is a result with an error: the command completes "error" and the
      // run COMPLETED; Python: command.failed, and the run ends FAILED.
      expect(status).toBe(dialect === 'rust' ? 'COMPLETED' : 'FAILED');
      const done = await sb.pool.query(
        `SELECT event_type, status FROM noetl.event WHERE execution_id = $1 AND node_name LIKE 'retry_probe%' AND event_type IN ('command.completed', 'command.failed')`,
        [id],
      );
      expect(done.rows).toEqual([
        dialect === 'rust'
          ? { event_type: 'command.completed', status: 'error' }
          : { event_type: 'command.failed', status: 'FAILED' },
      ]);
      const { rows } = await sb.pool.query(
        `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.error' AND status = 'RETRYING'`,
        [id],
      );
      const retried = sb.logs.filter((l) => /\[TASK_SEQ\] Retrying task 'missing' \(attempt \d\/\d\)/.test(l)).length;
      const exhausted = sb.logs.filter((l) =>
        /\[TASK_SEQ\] Task 'missing' exceeded max attempts \(\d\)|task_sequence: retry exhausted task=missing attempts=\d/.test(
          l,
        ),
      );
      // Python matches output.http.status (2 attempts: 1 retry), Rust only output.data.status_code (3
      // attempts). Neither writes a retry event: Python logs each retry at INFO
      // (noetl/worker/task_sequence_executor.py 698-701), Rust at DEBUG, hidden at RUST_LOG=info
      // (noetl/tools src/tools/task_sequence.rs 656-672); both log the exhaustion at ERROR (685; 633-637).
      expect({ events: rows[0].n, retried, exhausted }).toEqual(
        dialect === 'rust'
          ? { events: 0, retried: 0, exhausted: [expect.stringContaining('retry exhausted task=missing attempts=3')] }
          : { events: 0, retried: 1, exhausted: [expect.stringContaining('exceeded max attempts (2)')] },
      );
    });

    it('goes on after an iteration whose python raised, and ends as its engine ends', async () => {
      const { id, status } = await runToEnd(sb, 'tests/semantics_failures', { mode: 'loop' });
      const { rows } = await sb.pool.query(
        `SELECT event_type, status, count(*)::int AS n FROM noetl.event WHERE execution_id = $1
           AND event_type IN ('command.completed', 'command.failed') AND node_name LIKE 'loop_probe%' GROUP BY 1, 2 ORDER BY 1, 2`,
        [id],
      );
      const reached = await sb.pool.query(
        `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND node_name = 'end' AND event_type = 'call.done'`,
        [id],
      );
      expect(reached.rows[0].n).toBe(1); // the run went on to its end step on both engines
      if (dialect === 'rust') {
        expect(status).toBe('COMPLETED');
        expect(rows).toEqual([
          { event_type: 'command.completed', status: 'error', n: 1 },
          { event_type: 'command.completed', status: 'success', n: 2 },
        ]);
      } else {
        expect(status).toBe('FAILED');
        expect(rows).toEqual([
          { event_type: 'command.completed', status: 'COMPLETED', n: 2 },
          { event_type: 'command.failed', status: 'FAILED', n: 1 },
        ]);
      }
    });

    it('issues every item of a parallel loop at once on Rust, max_in_flight at a time on Python', async () => {
      // orchestrate-core src/orchestrator.rs 1825-1829 (test_step_loop_fans_out_iterations); noetl/noetl
      // tests/unit/dsl/engine/test_loop_parallel_dispatch.py (max_in_flight 3 issues 3 commands).
      const { rows } = await sb.pool.query(
        `SELECT event_type, event_id FROM noetl.event WHERE execution_id = $1 AND node_name = 'loop_it'
           AND event_type IN ('command.issued', 'command.completed') ORDER BY event_id`,
        [probeId],
      );
      const beforeFirstDone = rows.findIndex((r) => r.event_type === 'command.completed');
      expect(rows.slice(0, beforeFirstDone).length).toBe(dialect === 'rust' ? 3 : 2);
    });

    it('enters python code as its engine does: a top-level return, main() against result', async () => {
      // Rust: noetl/tools src/tools/python.rs (T5: a top-level return wraps the code, an explicit result wins
      // over main); 4.26.0: noetl/tools/python/executor.py 686-697 (exec as it is, main() called when defined).
      const pb = (name: string, code: string) =>
        [
          'apiVersion: noetl.io/v2',
          'kind: Playbook',
          'metadata:',
          `  name: ${name}`,
          `  path: tests/${name}`,
          'workflow:',
          '  - step: start',
          '    tool:',
          '      kind: python',
          '      code: |',
          ...code.split('\n').map((l) => `        ${l}`),
          '',
        ].join('\n');
      await register(sb, pb('entry_return', 'x = 2\nreturn {"m": x}'));
      await register(sb, pb('entry_main', 'def main():\n    return {"m": "main"}\nresult = {"m": "result"}'));
      const ret = await runToEnd(sb, 'tests/entry_return');
      const main = await runToEnd(sb, 'tests/entry_main');
      const doneOf = async (id: string) =>
        JSON.stringify(
          (
            await sb.pool.query(
              `SELECT result FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.done' ORDER BY event_id LIMIT 1`,
              [id],
            )
          ).rows[0]?.result ?? null,
        );
      if (dialect === 'rust') {
        expect(ret.status).toBe('COMPLETED');
        expect(await doneOf(ret.id)).toContain('"m":2');
        expect(await doneOf(main.id)).toContain('"m":"result"');
      } else {
        expect(ret.status).toBe('FAILED'); // 'return' outside function
        expect(await doneOf(main.id)).toContain('"m":"main"');
      }
    });

    it('loads a python script from a file on Python (4.26.0 core/script/resolver.py), refuses the key on Rust', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-script-'));
      try {
        writeFileSync(path.join(dir, 'code.py'), 'result = {"from": "file", "n": n}\n');
        const text = [
          'apiVersion: noetl.io/v2',
          'kind: Playbook',
          'metadata:',
          '  name: script_file',
          '  path: tests/script_file',
          'workflow:',
          '  - step: start',
          '    tool:',
          '      kind: python',
          '      input: { n: 3 }',
          '      script:',
          `        uri: '${path.join(dir, 'code.py')}'`,
          '        source: { type: file }',
          '',
        ].join('\n');
        const r = await api(sb.apiUrl, 'POST', '/api/catalog/register', {
          content: Buffer.from(text).toString('base64'),
          resource_type: 'Playbook',
        });
        if (dialect === 'rust') {
          // Rust stores it and refuses it at execute (compileAtExecute); the key is not one its python tool has.
          const ex = await api(sb.apiUrl, 'POST', '/api/execute', { path: 'tests/script_file', payload: {} });
          expect(`${r.status} ${ex.status} ${ex.text}`).toMatch(/^200 4\d\d .*python tool key 'script'/);
          return;
        }
        expect(r.status).toBe(200);
        const { id, status } = await runToEnd(sb, 'tests/script_file');
        expect(status).toBe('COMPLETED');
        const { rows } = await sb.pool.query(
          `SELECT result FROM noetl.event WHERE execution_id = $1 AND event_type = 'call.done'`,
          [id],
        );
        expect(rows[0]?.result?.context).toMatchObject({ from: 'file', n: 3 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('renders a max_in_flight written as a template when the loop starts (issue #38: it was refused with 422)', async () => {
      const text = [
        'apiVersion: noetl.io/v2',
        'kind: Playbook',
        'metadata:',
        '  name: mif_template',
        '  path: tests/mif_template',
        'workload:',
        '  concurrent_batches: 2',
        'workflow:',
        '  - step: start',
        '    loop:',
        "      in: '{{ [1, 2, 3, 4, 5] }}'",
        '      iterator: n',
        '      spec:',
        '        mode: parallel',
        "        max_in_flight: '{{ (concurrent_batches | default(1) | int) or 1 }}'",
        '    tool:',
        '      kind: python',
        "      input: { n: '{{ iter.n }}' }",
        '      code: |',
        '        result = {"n": int(n)}',
        '',
      ].join('\n');
      await register(sb, text);
      const { id, status } = await runToEnd(sb, 'tests/mif_template');
      expect(status).toBe('COMPLETED');
      const { rows } = await sb.pool.query(
        `SELECT event_type FROM noetl.event WHERE execution_id = $1 AND node_name = 'start'
           AND event_type IN ('command.issued', 'command.completed') ORDER BY event_id`,
        [id],
      );
      // Rust ignores it for a parallel loop (every item at once); Python honours the rendered 2.
      const issuedFirst = rows.findIndex((r) => r.event_type === 'command.completed');
      expect(issuedFirst).toBe(dialect === 'rust' ? 5 : 2);
    });
  });
}

describe('the rust dialect writes only event types the Rust engine writes', () => {
  // The persisted types of noetl/server src/handlers/{execute,events}.rs and orchestrate-core
  // src/orchestrator.rs, noetl/worker src/events/emitter.rs and src/executor/command.rs (noetl-contract
  // §2.2): the Rust engine cannot run here, so its code is the list. Not step_failed: orchestrate-core
  // src/orchestrator.rs handle_failure (1963-1972 at d9ec700) builds one, but only its own test calls it
  // (2327-2332): no Rust path persists it (issue #38).
  const RUST_TYPES = new Set([
    'playbook_started',
    'step.enter',
    'command.issued',
    'step.skipped',
    'ctx.updated',
    'step.exit',
    'command.claimed',
    'command.started',
    'call.done',
    'call.error',
    'command.completed',
    'command.failed',
    'playbook.completed',
    'playbook.failed',
    'playbook_cancelled',
    'playbook_completed',
    'playbook_failed',
  ]);
  let sb: TestSandbox;
  afterAll(async () => sb?.close());

  it('on the probe playbooks, their failures and a cancel', async () => {
    sb = await sandbox({ dialect: 'rust' });
    await register(sb, file('semantics-probe.yaml'));
    await register(sb, file('semantics-failures.yaml'));
    await runToEnd(sb, 'tests/semantics_probe');
    await runToEnd(sb, 'tests/semantics_failures', { mode: 'retry' });
    await runToEnd(sb, 'tests/semantics_failures', { mode: 'loop' });
    const id = String(
      (await api(sb.apiUrl, 'POST', '/api/execute', { path: 'tests/semantics_probe', payload: {} })).json.execution_id,
    );
    await api(sb.apiUrl, 'POST', `/api/executions/${id}/cancel`, {});
    const { rows } = await sb.pool.query('SELECT DISTINCT event_type FROM noetl.event');
    expect(rows.map((r) => r.event_type).filter((t) => !RUST_TYPES.has(t))).toEqual([]);
    // A call.done's context holds command_id, call_index and result (noetl/worker src/events/emitter.rs
    // emit_call_done, 218-241 at f6fae7e): no tool name.
    const done = await sb.pool.query(
      "SELECT DISTINCT jsonb_object_keys(result->'context') AS k FROM noetl.event WHERE event_type = 'call.done'",
    );
    expect(done.rows.map((r) => r.k).sort()).toEqual(['call_index', 'command_id', 'result']);
  });
});
