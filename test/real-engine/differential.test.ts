// The sandbox's python dialect against the real legacy engine (noetl==4.26.0) on one scripted scenario:
// register the bundled pair, run direct_stress small, run a step whose http call fails, cancel a running
// execution. Compared: the events per node (type and status, counted), the status answers' keys, the
// shape of a python step's result, the cancel answer. What may differ is listed in ALLOWED, each with why;
// anything else fails the test with the difference.
import { describe, expect, it } from 'vitest';
import { api, registerBundled, sandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';
import { useRealEngine } from './harness.js';
import type pg from 'pg';

const PARENT = 'loadrun/heavy_payload_pipeline_in_step_parallel';
const PROBE = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: differential_probe
  path: tests/differential_probe
workload:
  mode: fail
  base: http://127.0.0.1:1
workflow:
  - step: start
    tool:
      kind: python
      input: { mode: '{{ mode }}' }
      code: |
        import time
        if mode == "sleep":
            time.sleep(20)
        result = {"mode": mode, "ok": True}
    next:
      arcs:
        - step: call
          when: '{{ mode == "fail" }}'
        - step: end
  - step: call
    tool:
      kind: http
      method: GET
      url: '{{ base }}/status/404'
    next:
      arcs:
        - step: end
  - step: end
    tool:
      kind: python
      code: |
        result = {"status": "completed"}
`;

/** Differences allowed between the sandbox's python dialect and noetl 4.26.0, and why. */
const ALLOWED: Array<{ match: RegExp; why: string }> = [
  {
    match: /^events\.batch /,
    why: "the server's own batching of the events workers send (noetl/server/api/core/batch.py): an internal queue the sandbox does not have",
  },
];

type Counts = Record<string, number>;

/** node, event type and status of every event of an execution and its children, counted. */
async function eventCounts(pool: pg.Pool, id: string, path: string): Promise<Counts> {
  const { rows } = await pool.query(
    `SELECT node_name, event_type, status FROM noetl.event WHERE execution_id = $1::bigint
       OR execution_id IN (SELECT execution_id FROM noetl.event WHERE parent_execution_id = $1::bigint)`,
    [id],
  );
  const out: Counts = {};
  for (const r of rows) {
    const key = `${r.node_name === path ? '<path>' : r.node_name} ${r.event_type} ${r.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function differences(real: Counts, emulated: Counts): string[] {
  const keys = [...new Set([...Object.keys(real), ...Object.keys(emulated)])].sort();
  return keys
    .filter((k) => (real[k] ?? 0) !== (emulated[k] ?? 0))
    .filter((k) => !ALLOWED.some((a) => a.match.test(k)))
    .map((k) => `${k}: real ${real[k] ?? 0}, sandbox ${emulated[k] ?? 0}`);
}

interface Side {
  url: string;
  pool: pg.Pool;
  echoBase: string;
}

async function finished(url: string, id: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const s = (await api(url, 'GET', `/api/executions/${id}/status`)).json;
      return s.completed || s.failed ? s : undefined;
    },
    120_000,
    500,
  );
}

async function scenario(side: Side): Promise<Record<string, unknown>> {
  const reg = await api(side.url, 'POST', '/api/catalog/register', { content: PROBE, resource_type: 'Playbook' });
  expect(reg.status).toBe(200);
  const start = async (path: string, payload: Record<string, unknown>) =>
    String((await api(side.url, 'POST', '/api/execute', { path, payload })).json.execution_id);
  const terminal = async (id: string) => {
    await waitFor(
      async () => {
        const { rows } = await side.pool.query(
          `SELECT 1 FROM noetl.event WHERE execution_id = $1::bigint AND event_type IN ('playbook.completed', 'playbook.failed', 'execution.cancelled')`,
          [id],
        );
        return rows.length ? true : undefined;
      },
      120_000,
      500,
    );
  };
  const direct = await start(PARENT, {
    execution_mode: 'direct_stress',
    seed_rows: 4,
    payload_kb_per_item: 4,
    details_api_url: `${side.echoBase}/anything/heavy-item-detail`,
    batch_worker_path: 'loadrun/heavy_payload_pipeline_chunk_worker',
  });
  await terminal(direct);
  const failing = await start('tests/differential_probe', { mode: 'fail', base: side.echoBase });
  await terminal(failing);
  const sleeping = await start('tests/differential_probe', { mode: 'sleep', base: side.echoBase });
  await waitFor(
    async () => {
      const { rows } = await side.pool.query(
        `SELECT 1 FROM noetl.event WHERE execution_id = $1::bigint AND event_type = 'command.started'`,
        [sleeping],
      );
      return rows.length ? true : undefined;
    },
    60_000,
    250,
  );
  const running = (await api(side.url, 'GET', `/api/executions/${sleeping}/status`)).json;
  const cancel = await api(side.url, 'POST', `/api/executions/${sleeping}/cancel`, { reason: 'differential' });
  await terminal(sleeping);
  const ended = await finished(side.url, direct);
  const startDone = await side.pool.query(
    `SELECT result FROM noetl.event WHERE execution_id = $1::bigint AND node_name = 'start' AND event_type = 'call.done'`,
    [failing],
  );
  return {
    direct: await eventCounts(side.pool, direct, PARENT),
    failing: await eventCounts(side.pool, failing, 'tests/differential_probe'),
    cancelled: await eventCounts(side.pool, sleeping, 'tests/differential_probe'),
    statusKeys: Object.keys(ended).sort(),
    runningKeys: Object.keys(running).sort(),
    ended: { completed: ended.completed, failed: ended.failed },
    cancelStatus: cancel.status,
    cancelKeys: Object.keys(cancel.json ?? {}).sort(),
    startResult: startDone.rows[0]?.result,
  };
}

describe('the sandbox python dialect against the real legacy engine', () => {
  const real = useRealEngine('differential', { workers: 2 });

  it('writes the same events per node, answers status and cancel alike, and shapes results alike', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    await registerBundled(e.serverUrl);
    const onReal = await scenario({ url: e.serverUrl, pool: e.pool, echoBase: new URL(e.echo.url).origin });
    let sb: TestSandbox | undefined;
    try {
      sb = await sandbox({ dialect: 'python' });
      await registerBundled(sb.apiUrl);
      const onSandbox = await scenario({ url: sb.apiUrl, pool: sb.pool, echoBase: new URL(sb.echoUrl).origin });
      const diffs = [
        ...differences(onReal.direct as Counts, onSandbox.direct as Counts).map((d) => `direct_stress: ${d}`),
        ...differences(onReal.failing as Counts, onSandbox.failing as Counts).map((d) => `failing http: ${d}`),
        ...differences(onReal.cancelled as Counts, onSandbox.cancelled as Counts).map((d) => `cancel: ${d}`),
      ];
      expect(diffs, diffs.join('\n')).toEqual([]);
      for (const k of ['statusKeys', 'runningKeys', 'ended', 'cancelStatus', 'cancelKeys'] as const)
        expect(onSandbox[k], k).toEqual(onReal[k]);
      // No event type the engine does not write: every type the sandbox wrote (its fault emulations
      // aside, none here) was written by the real engine in the same scenario.
      const types = async (pool: pg.Pool) =>
        (await pool.query('SELECT DISTINCT event_type FROM noetl.event')).rows.map((r) => r.event_type as string);
      const realTypes = new Set(await types(e.pool));
      expect((await types(sb.pool)).filter((t) => !realTypes.has(t))).toEqual([]);
      const shape = (r: unknown) => {
        const o = r as { status: string; context: Record<string, unknown> };
        return { status: o.status, keys: Object.keys(o.context).sort() };
      };
      expect(shape(onSandbox.startResult)).toEqual(shape(onReal.startResult));
    } finally {
      await sb?.close();
    }
  });
});
