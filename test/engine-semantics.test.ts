// The two sandbox dialects execute with their engine's tool semantics (noetl-contract §6.6), each pinned to
// the upstream code it follows:
// - http body fields: noetl/tools src/tools/http.rs (HttpConfig: body, json, form; no payload) and
//   noetl/noetl noetl/tools/http/executor.py (`payload`, or `body` as its alias; a dict goes as JSON);
// - the http result: http.rs build_response_data {status_code, headers, data, body}; Python adds url, elapsed;
// - postgres: noetl/tools src/tools/postgres.rs (the last statement, {columns, rows, row_count}); the legacy
//   Python engine returned every statement as command_N (collapsed since noetl/noetl b2fd0519);
// - no `job` namespace on Rust; a Rust loop's result is the list of iteration results, Python's
//   {results, stats}; a failed iteration fails the Rust step;
// - what a retry rule sees: noetl/tools src/tools/task_sequence.rs wraps the result in {status, data, error}.
import { readFileSync } from 'node:fs';
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
        expect(loop).toEqual([{ tenfold: 10 }, { tenfold: 20 }, { tenfold: 30 }]);
      } else {
        expect(Object.keys(pgResult)).toEqual(['command_0', 'command_1']);
        expect(pgResult.command_1.rows).toEqual([{ a: 1, b: 'x' }]);
        expect(probe.job).toMatch(/^\d+$/);
        expect(loop.stats).toEqual({ total: 3, success: 3, failed: 0 });
        expect(loop.results).toEqual([{ tenfold: 10 }, { tenfold: 20 }, { tenfold: 30 }]);
      }
    });

    it(dialect === 'rust' ? 'records each command as claimed before it starts' : 'records no claims', async () => {
      const { rows } = await sb.pool.query(
        `SELECT event_type, count(*)::int AS n FROM noetl.event WHERE execution_id = $1 AND event_type IN ('command.issued', 'command.claimed') GROUP BY 1`,
        [probeId],
      );
      const n = Object.fromEntries(rows.map((x) => [x.event_type, x.n]));
      expect(n['command.issued']).toBeGreaterThan(0);
      expect(n['command.claimed'] ?? 0).toBe(dialect === 'rust' ? n['command.issued'] : 0);
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
      expect(status).toBe('FAILED');
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
      // (noetl/tools src/task_sequence.rs 656-672); both log the exhaustion at ERROR (685; 633-637).
      expect({ events: rows[0].n, retried, exhausted }).toEqual(
        dialect === 'rust'
          ? { events: 0, retried: 0, exhausted: [expect.stringContaining('retry exhausted task=missing attempts=3')] }
          : { events: 0, retried: 1, exhausted: [expect.stringContaining('exceeded max attempts (2)')] },
      );
    });

    it(
      dialect === 'rust' ? 'fails the loop step when an iteration fails' : 'records a failed iteration and goes on',
      async () => {
        const { status } = await runToEnd(sb, 'tests/semantics_failures', { mode: 'loop' });
        expect(status).toBe(dialect === 'rust' ? 'FAILED' : 'COMPLETED');
      },
    );
  });
}
