// What the real legacy engine (noetl==4.26.0) does with failures, and the tool's reading of it: items whose
// http step fails, a worker killed mid-run, and executions the tool did not start (watch, diff). The
// verdict of a mode is the engine's own final state (its terminal event), never a passing `failed: true`
// of GET /status, which 4.26.0 answers as soon as one command.failed exists (noetl/server/api/core/
// execution.py, _STATUS_TERMINAL_EVENT_TYPES).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ndjson, summaryOf, useRealEngine, type RealEngine } from './harness.js';
import { endingsOn, expectedOf, FAILING_RUNS } from '../helpers/failing-runs.js';

const SMALL = ['--seed-rows', '12', '--payload-kb', '8', '--batch-size', '4', '--max-batches', '3'];
const PATIENT = ['--stall-seconds', '240', '--timeout', '540', '--no-tui'];
const dirOf = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-real-engine-')), 'r');

/** The terminal events the engine wrote for an execution, in order. */
async function terminals(e: RealEngine, id: string): Promise<string[]> {
  const { rows } = await e.pool.query(
    `SELECT event_type FROM noetl.event WHERE execution_id = $1::bigint
       AND event_type IN ('playbook.completed', 'playbook.failed', 'workflow.completed', 'workflow.failed', 'execution.cancelled')
     ORDER BY event_id`,
    [id],
  );
  return rows.map((r) => r.event_type);
}

async function storedIds(e: RealEngine, id: string): Promise<number[]> {
  const { rows } = await e.dataPool.query(
    'SELECT item_id FROM public.heavy_payload_results WHERE execution_id = $1 ORDER BY item_id',
    [id],
  );
  return rows.map((r) => r.item_id);
}

describe('failures on the real Python engine', () => {
  const real = useRealEngine('failures-watch', { workers: 2 });

  it('an endpoint that always fails two items: retried as the engine logs it, missing, and the verdict is the engine’s', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    // 503 for items 3 and 7 on every attempt: the fixture's policy retries a 503 (4 attempts, 1 s
    // exponential), then the task fails; the other items pass.
    Object.assign(e.echo.faults, { failItems: [3, 7], errorStatus: 503 });
    const dir = dirOf();
    try {
      const r = await runCli([...e.flags, ...SMALL, ...PATIENT, '--modes', 'direct_stress', '--report-dir', dir], {
        timeoutMs: 600_000,
      });
      const [m] = summaryOf(dir).modes;
      const stored = await storedIds(e, m.execution_id);
      expect(stored).toEqual([1, 2, 4, 5, 6, 8, 9, 10, 11, 12]);
      expect(m.stored_rows).toBe(10);
      expect(m.missing.ranges).toEqual([
        [3, 3],
        [7, 7],
      ]);
      // The retries, from the worker's INFO lines (noetl/worker/task_sequence_executor.py 698-701) read
      // through --log-file: 3 per failing item.
      expect(m.retries_per_node).toEqual({ 'fetch_detail (log)': 6 });
      // The engine's own end, read from its event log, or none: then the tool said stalled, never
      // completed, and never ended the mode on a passing `failed: true`.
      const ends = await terminals(e, m.execution_id);
      if (ends.length) expect(m.verdict).toBe(ends.some((t) => t.endsWith('failed')) ? 'failed' : 'completed');
      else expect(m.verdict, r.stdout.slice(-1500)).toBe('stalled');
      const seen = ndjson(dir).filter((x) => x.kind === 'event' && x.execution_id === m.execution_id);
      expect(seen.map((x) => x.event_type)).toEqual(expect.arrayContaining(ends));
      expect(r.code).toBe(1);
    } finally {
      Object.assign(e.echo.faults, { failItems: [] });
    }
  });

  it('two items failing in both modes: missing in each, 2 failures counted in each (issue #39 item 3)', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    Object.assign(e.echo.faults, { failItems: [7, 8], errorStatus: 500 });
    const dir = dirOf();
    try {
      // 4.26.0 leaves the chunked parent open now and then (its /status an inferred `completed`, no terminal
      // event: seen in CI); the run then ends at --timeout, within this test's own time, which is what it counts.
      const bounded = ['--stall-seconds', '240', '--timeout', '120', '--no-tui'];
      const r = await runCli([...e.flags, ...SMALL, ...bounded, '--report-dir', dir], { timeoutMs: 280_000 });
      const modes = summaryOf(dir).modes as Array<Record<string, any>>;
      expect(modes.map((m) => m.mode).sort()).toEqual(['chunked_optimal', 'direct_stress']);
      for (const m of modes) {
        expect(m.missing.ranges, m.mode).toEqual([[7, 8]]);
        // Each retry line names the task, not the step: with both modes running, per mode it is unknown.
        expect(m.retries_unattributed, m.mode).toBeGreaterThan(0);
      }
      // 2 failures in each mode: chunked_optimal's are in its chunk workers. One run in three in CI had
      // counted 0 there, the failing chunk worker never found: 4.26.0's worker records as a child's parent the
      // execution of the command it started last (noetl/worker/nats_worker.py 1963, 3285). Seen here once in
      // six runs with the cores kept busy: a chunk worker filed under its sibling, its input naming the
      // chunked parent. The tool looked only under the parent; src/run/children.ts reads the named parent.
      for (const m of modes) {
        expect([m.mode, m.failures]).toEqual([m.mode, 2]);
        // Two failed items are failures, not a loop that ended early (4.26.0 ran every item).
        expect(m.diagnosis?.causes.map((c: { id: string }) => c.id) ?? [], m.mode).not.toContain('loop-ended-early');
      }
      // The failed iterations of chunked_optimal are in its chunk workers, followed as its children.
      const chunked = modes.find((m) => m.mode === 'chunked_optimal')!;
      const childFailures = ndjson(dir).filter(
        (x) =>
          x.kind === 'event' &&
          x.mode === 'chunked_optimal' &&
          x.event_type === 'command.failed' &&
          x.execution_id !== chunked.execution_id,
      );
      expect(childFailures).toHaveLength(2);
      expect(r.code).toBe(1);
    } finally {
      Object.assign(e.echo.faults, { failItems: [] });
    }
  }, 300_000);

  it('ends our failing playbooks as the table says (the python dialect is checked against the same table)', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    const endings = await endingsOn(e.serverUrl, e.pool, 15_000);
    for (const r of FAILING_RUNS) expect(expectedOf(endings[r.file], r.ending), r.file).toEqual(r.ending);
  });

  it('a worker killed mid-run: the tool ends on the engine’s own state and accounts for every item', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    const dir = dirOf();
    const victim = e.workers[0];
    let killed = false;
    const watch = setInterval(async () => {
      if (killed) return;
      const { rows } = await e.dataPool
        .query('SELECT count(*)::int AS n FROM public.heavy_payload_results')
        .catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0].n >= 2) {
        killed = true;
        process.kill(-victim.pid, 'SIGKILL');
      }
    }, 200);
    const r = await runCli([...e.flags, ...SMALL, ...PATIENT, '--modes', 'direct_stress', '--report-dir', dir], {
      timeoutMs: 600_000,
    }).finally(() => clearInterval(watch));
    expect(killed).toBe(true);
    const [m] = summaryOf(dir).modes;
    const ends = await terminals(e, m.execution_id);
    const stored = await storedIds(e, m.execution_id);
    expect(m.stored_rows).toBe(stored.length);
    expect(m.missing.count).toBe(12 - stored.length);
    if (ends.length) expect(m.verdict).toBe(ends.some((t) => t.endsWith('failed')) ? 'failed' : 'completed');
    // With no end from the engine the tool says stalled (or timeout), never completed.
    else expect(['stalled', 'timeout']).toContain(m.verdict);
    expect(r.code === 0).toBe(m.verdict === 'completed' && stored.length === 12);
    await e.startWorker(); // for the next test
  });

  it('watch finds a run started with a plain POST /api/execute, and diff compares two of them', async () => {
    real.keepLogsOnFailure();
    const e = real.engine;
    const launch = async (mode: string) => {
      const res = await fetch(`${e.serverUrl}/api/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          path: 'loadrun/heavy_payload_pipeline_in_step_parallel',
          payload: {
            execution_mode: mode,
            seed_rows: 8,
            payload_kb_per_item: 4,
            batch_size: 4,
            max_batches: 2,
            details_api_url: e.detailsUrl,
            batch_worker_path: 'loadrun/heavy_payload_pipeline_chunk_worker',
          },
        }),
      });
      expect(res.status).toBe(200);
      return String(((await res.json()) as { execution_id: string }).execution_id);
    };
    const direct = await launch('direct_stress');
    const chunked = await launch('chunked_optimal');
    const dir = dirOf();
    const r = await runCli(['watch', direct, '--vs', chunked, ...e.flags, ...PATIENT, '--report-dir', dir], {
      timeoutMs: 600_000,
    });
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const s = summaryOf(dir);
    expect(s.modes.map((m: { mode: string; execution_id: string }) => [m.mode, m.execution_id])).toEqual([
      ['direct_stress', direct],
      ['chunked_optimal', chunked],
    ]);
    // The parameters come from the start event's workload (context.result.workload on Python).
    expect(s.parameters).toMatchObject({ seedRows: 8, payloadKb: 4, batchSize: 4, maxBatches: 2 });
    expect(s.modes.map((m: { stored_rows: number; verdict: string }) => [m.verdict, m.stored_rows])).toEqual([
      ['completed', 8],
      ['completed', 8],
    ]);
    const d = await runCli(['diff', direct, '--vs', chunked, '--server-url', e.serverUrl, '--pg-url', e.pgUrl]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(d.stdout).toMatch(/0 missing/);
  });

  // check-playbook --engine python against the same engine (one engine for the file: a start costs ~15 s).

  // A nested step result through tojson in SQL: flagged (tojson-step-result), and it fails on noetl 4.26.0;
  // the same value as JSON text made in python passes check-playbook and completes.
  const playbook = (flagged: boolean) => `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: tojson_probe_${flagged ? 'flagged' : 'clean'}
  path: tests/tojson_probe_${flagged ? 'flagged' : 'clean'}
workflow:
  - step: start
    tool:
      kind: python
      libs: { json: json }
      code: |
        meta = {"url": "http://x", "elapsed": 1}
        result = {"meta": meta, "meta_json": json.dumps(meta)}
    next:
      arcs:
        - step: use
  - step: use
    tool:
      kind: postgres
      auth: pg_k8s
      query: "SELECT '${flagged ? '{{ start.meta | tojson }}' : '{{ start.meta_json }}'}'::jsonb AS m"
    next:
      arcs:
        - step: end
  - step: end
    tool:
      kind: python
      code: |
        result = {"status": "completed"}
`;

  it.each([true, false])('check-playbook --engine python, flagged %s: the engine agrees', async (flagged) => {
    real.keepLogsOnFailure();
    const e = real.engine;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-check-')), 'p.yaml');
    writeFileSync(file, playbook(flagged));
    const check = await runCli(['check-playbook', file, '--engine', 'python']);
    expect(check.stdout).toMatch(flagged ? /tojson-step-result/ : /no construct the python engine ignores or lacks/);
    const reg = await fetch(`${e.serverUrl}/api/catalog/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: playbook(flagged), resource_type: 'Playbook' }),
    });
    expect(reg.status).toBe(200);
    const res = await fetch(`${e.serverUrl}/api/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: `tests/tojson_probe_${flagged ? 'flagged' : 'clean'}`, payload: {} }),
    });
    const id = String(((await res.json()) as { execution_id: string }).execution_id);
    // Its end: a terminal event, or (for a template that cannot render) a failure and no more progress.
    let types: string[] = [];
    for (let i = 0; i < 120; i++) {
      const { rows } = await e.pool.query(
        'SELECT event_type FROM noetl.event WHERE execution_id = $1::bigint ORDER BY event_id',
        [id],
      );
      types = rows.map((r) => r.event_type);
      if (types.some((t) => /^playbook\.(completed|failed)$/.test(t) || t === 'batch.failed')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (flagged) expect(types.some((t) => t === 'playbook.completed')).toBe(false);
    else expect(types).toContain('playbook.completed');
  });
});
