// The sweep's parts on their own: --fail-on per breach kind, the grid, the playbook variants, the
// recommendation. The full sweep on the sandbox is test/sweep.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseFailOn } from '../src/config.js';
import { BREACHES, type Breach, type Mode, type ModeVerdict } from '../src/model.js';
import { verdictOf } from '../src/run/finalize.js';
import { RunStore } from '../src/run/store.js';
import { buildGrid, parseAxes } from '../src/sweep/grid.js';
import { cellResult, recommend, type CellResult, type RunRecord } from '../src/sweep/result.js';
import { payloadGrowth } from '../src/sweep/growth.js';
import { compareGrowth, notComparable } from '../src/compare/compare.js';
import { loadDigest } from '../src/compare/load.js';
import { SUMMARY_SCHEMA_VERSION } from '../src/render/summary.js';
import { variantFor } from '../src/sweep/variants.js';
import { ROOT } from './helpers/cli.js';

const params = { seedRows: 20, payloadKb: 4, batchSize: 5, maxBatches: 2 };

/** A finished one-mode run with the given verdict and missing count. */
function finished(verdict: ModeVerdict, missing = 0, ranMs = 0): RunStore {
  const mode: Mode = 'chunked_optimal';
  const store = new RunStore({ ...params, preset: null }, [{ mode, expected: 10 }]);
  store.markLaunched(mode, '1');
  const launched = Date.now();
  while (Date.now() - launched < ranMs) {
    /* the run takes ranMs */
  }
  store.setVerdict(mode, verdict);
  store.setDiff(mode, {
    mode,
    executionId: '1',
    expected: 10,
    stored: 10 - missing,
    missingCount: missing,
    missing: missing ? [[11 - missing, 10]] : [],
    windows: [],
  });
  return store;
}

describe('--fail-on decides the exit code', () => {
  const cases: Array<[Breach, () => RunStore, number?]> = [
    ['stall', () => finished('stalled')],
    ['missing', () => finished('completed', 3)],
    ['failures', () => finished('failed')],
    ['timeout', () => finished('timeout')],
    ['timeout', () => finished('completed', 0, 30), 0.01], // ran 30 ms, over --max-duration 10 ms
  ];
  for (const [breach, make, maxDuration] of cases) {
    it(`${breach}${maxDuration !== undefined ? ' (--max-duration)' : ''}: 1 when listed, 0 when only the others are`, () => {
      const store = make();
      expect(verdictOf(store, { failOn: [breach], maxDurationSeconds: maxDuration }).exitCode).toBe(1);
      const others = BREACHES.filter((b) => b !== breach);
      const ok = verdictOf(store, { failOn: others, maxDurationSeconds: maxDuration });
      expect(ok.exitCode).toBe(0);
      expect(ok.reason).toContain('not failing under --fail-on');
      expect(verdictOf(store, { failOn: [], maxDurationSeconds: maxDuration }).exitCode).toBe(0);
    });
  }

  it('a clean run exits 0 under every setting, and bad values are usage errors', () => {
    expect(verdictOf(finished('completed'), { failOn: BREACHES })).toEqual({
      exitCode: 0,
      reason: 'all modes complete, nothing missing',
    });
    expect(parseFailOn(undefined)).toEqual(BREACHES);
    expect(parseFailOn('none')).toEqual([]);
    expect(parseFailOn('stall, missing')).toEqual(['stall', 'missing']);
    expect(() => parseFailOn('stalls')).toThrow(/--fail-on: unknown breach "stalls"/);
  });
});

describe('the grid', () => {
  it('crosses the lists, names cells by what varies, and keeps ids stable', () => {
    const axes = parseAxes({ batchSize: '20,40', workerMaxInFlight: '5,15', payloadKb: '64' });
    const cells = buildGrid(params, axes);
    expect(cells.map((c) => c.swept)).toEqual([
      { batch_size: 20, worker_max_in_flight: 5 },
      { batch_size: 20, worker_max_in_flight: 15 },
      { batch_size: 40, worker_max_in_flight: 5 },
      { batch_size: 40, worker_max_in_flight: 15 },
    ]);
    expect(cells.every((c) => c.params.payloadKb === 64 && c.chunkParallelism === null)).toBe(true);
    expect(buildGrid(params, axes).map((c) => c.id)).toEqual(cells.map((c) => c.id));
    expect(() => parseAxes({ batchSize: '20,,40' })).toThrow(/--batch-size: empty value/);
    expect(() => parseAxes({ workerMaxInFlight: '0' })).toThrow(/--worker-max-in-flight must be between 1/);
  });
});

describe('playbook variants', () => {
  const read = (f: string) => ({
    text: readFileSync(path.join(ROOT, 'fixtures/playbooks/loadrun', f), 'utf8'),
    path: '',
  });
  const parent = { ...read('heavy_payload_parallel.yaml'), path: 'loadrun/heavy_payload_pipeline_in_step_parallel' };
  const worker = { ...read('heavy_payload_chunk_worker.yaml'), path: 'loadrun/heavy_payload_pipeline_chunk_worker' };
  const loop = (text: string, step: string) =>
    YAML.parse(text).workflow.find((s: { step: string }) => s.step === step).loop.spec.max_in_flight;

  it('write the widths into the chunk-worker loop and the worker loop, under loadrun/sweep/<hash>/', () => {
    const v = variantFor(parent, worker, { chunkParallelism: 2, workerMaxInFlight: 7 });
    expect(loop(v.parent.text, 'run_batch_workers')).toBe(2);
    expect(loop(v.parent.text, 'run_direct_stress')).toBe(20); // the direct loop is not a chunk-worker loop
    expect(loop(v.worker.text, 'process_batch_pipeline')).toBe(7);
    expect(v.parent.path).toBe(`loadrun/sweep/${v.hash}/heavy_payload_pipeline_in_step_parallel`);
    expect(YAML.parse(v.worker.text).metadata.path).toBe(`loadrun/sweep/${v.hash}/heavy_payload_pipeline_chunk_worker`);
    expect(v.parent.text).toContain('# '); // comments survive the edit
    expect(variantFor(parent, worker, { chunkParallelism: 3, workerMaxInFlight: 7 }).hash).not.toBe(v.hash);
  });

  it('refuse a parent without a loop calling a playbook', () => {
    expect(() => variantFor(worker, worker, { chunkParallelism: 2, workerMaxInFlight: null })).toThrow(
      /--chunk-parallelism: the parent playbook .* has no loop step calling a playbook/,
    );
  });
});

describe('the recommendation', () => {
  const run = (repeat: number, rps: number, stalled = false): RunRecord => ({
    repeat,
    dir: '',
    ended_at: '',
    exit_code: stalled ? 1 : 0,
    outcome: '',
    verdicts: { chunked_optimal: stalled ? 'stalled' : 'completed' },
    breaches: stalled ? ['stall', 'missing'] : [],
    stored_rows: 10,
    expected_rows: 10,
    missing: stalled ? 4 : 0,
    duration_seconds: 1,
    rows_per_second: rps,
  });
  const cells = buildGrid(params, parseAxes({ batchSize: '5,10,20' }));

  it('is the fastest cell whose every repeat completed with nothing missing', () => {
    const results = [
      cellResult(cells[0], [run(1, 5), run(2, 7)], 2),
      cellResult(cells[1], [run(1, 50, true), run(2, 60)], 2),
      cellResult(cells[2], [run(1, 9), run(2, 8)], 2),
    ];
    expect(results.map((c) => [c.median_rows_per_second, c.stall_rate, c.qualified])).toEqual([
      [6, 0, true],
      [55, 0.5, false],
      [8.5, 0, true],
    ]);
    expect(recommend(results).cell?.id).toBe(cells[2].id);
  });

  it('says plainly when none qualified (a cell with a repeat missing does not)', () => {
    const results = [cellResult(cells[0], [run(1, 5, true)], 1), cellResult(cells[1], [run(1, 9)], 2)];
    expect(recommend(results)).toEqual({
      cell: null,
      text: 'no cell qualified: none had every repeat complete with nothing missing',
    });
  });
});

describe('the growth of the per-item cost with the payload', () => {
  const cellAt = (kb: number, cpu: number | null, seconds: number | null): CellResult =>
    ({
      ...cellResult(buildGrid(base, parseAxes({ payloadKb: String(kb) }))[0], [], 1),
      payload_kb: kb,
      median_cpu_seconds_per_item: cpu,
      median_seconds_per_item: seconds,
    }) as CellResult;
  const base = { seedRows: 8, payloadKb: 8, batchSize: 4, maxBatches: 2 };

  it('fits the exponent of a power law on the engine CPU per item, in words a grep finds', () => {
    const g = payloadGrowth([cellAt(16, 0.5, 3), cellAt(32, 2, 4), cellAt(64, 8, 9)])!;
    expect(g.exponent).toBe(2);
    expect(g.basis).toBe('engine CPU-seconds per item');
    expect(g.text).toMatch(/per-item cost grows about as payload\^2\.0 \(exponent 2\.0\)/);
  });

  it('falls back to seconds per item where no process was sampled, and says nothing with one size', () => {
    const g = payloadGrowth([cellAt(8, null, 1), cellAt(64, null, 8)])!;
    expect(g).toMatchObject({ exponent: 1, basis: 'seconds per item' });
    expect(payloadGrowth([cellAt(8, 1, 1), cellAt(8, 2, 2)])).toBeNull();
  });
});

describe('the growth fit with a fixed part per item', () => {
  const base = { seedRows: 8, payloadKb: 8, batchSize: 4, maxBatches: 2 };
  const cellAt = (kb: number, cpu: number): CellResult =>
    ({
      ...cellResult(buildGrid(base, parseAxes({ payloadKb: String(kb) }))[0], [], 1),
      payload_kb: kb,
      median_cpu_seconds_per_item: cpu,
      median_seconds_per_item: null,
    }) as CellResult;

  it('finds the exponent of the growing part above what every item costs (three sizes or more)', () => {
    // 2 s per item whatever its size, plus 0.004 s · KB²: log-log alone would say about 1.3.
    const cost = (kb: number) => 2 + 0.004 * kb ** 2;
    const g = payloadGrowth([16, 32, 64].map((kb) => cellAt(kb, cost(kb))))!;
    expect(g.exponent).toBe(2);
    expect(g.fixed).toBeCloseTo(2, 1);
    expect(g.text).toMatch(/payload\^2\.0 \(exponent 2\.0\) above a fixed 2\.00 s per item/);
  });
});

describe('compare of runs that differ in their payload only', () => {
  const run = (kb: number, cpuSeconds: number) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `loadrun-growth-${kb}-`));
    writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify({
        schema_version: SUMMARY_SCHEMA_VERSION,
        started_at: '2026-12-06T12:00:00Z',
        duration_seconds: 60,
        exit_code: 0,
        target: { kind: 'local', dialect: 'python 4.26.0, local', faults: [] },
        parameters: { seedRows: 4, payloadKb: kb, batchSize: 4, maxBatches: 1, preset: null },
        modes: [{ mode: 'direct_stress', verdict: 'completed', stored_rows: 4, expected_rows: 4, failures: 0 }],
        pods: [
          { name: 'noetl-server', role: 'server', cpu_seconds: cpuSeconds / 2 },
          { name: 'noetl-worker-1', role: 'worker', cpu_seconds: cpuSeconds / 2 },
        ],
      }),
    );
    return loadDigest(dir);
  };

  it('says how the per-item cost grows, and not that the runs are not comparable', () => {
    const runs = [run(16, 4 * 3.1), run(64, 4 * 21)];
    for (const r of runs) rmSync(r.dir, { recursive: true, force: true }); // read: the digests hold what is asserted
    expect(compareGrowth(runs)[0]).toMatch(
      /^per-item cost grows about as payload\^1\.4 \(exponent 1\.4\), from the engine CPU-seconds per item at 16, 64 KB$/,
    );
    expect(notComparable(runs)).toEqual([]);
  });
});
