// The sweep (and run --repeat) through the real CLI on the sandbox, on an embedded Postgres the test owns
// so the registered playbook variants and the stored rows can be read back afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPg, type EmbeddedPg } from '../src/sandbox/embedded-pg.js';
import { median } from '../src/sweep/result.js';
import { BIN, ROOT, runCli, type CliResult } from './helpers/cli.js';

let db: EmbeddedPg;
let pool: pg.Pool;
beforeAll(async () => {
  db = await startEmbeddedPg();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await db?.stop();
});

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'loadrun-sweep-'));
const SMALL = [
  '--seed-rows',
  '20',
  '--payload-kb',
  '4',
  '--max-batches',
  '2',
  '--modes',
  'chunked_optimal',
  '--stall-seconds',
  '5',
  '--stop-on-stall',
];
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

interface Run {
  repeat: number;
  dir: string;
  exit_code: number;
  rows_per_second: number | null;
  breaches: string[];
  missing: number;
  verdicts: Record<string, string>;
  ended_at: string;
}
interface CellOut {
  id: string;
  swept: Record<string, number>;
  runs: Run[];
  stalls: number;
  qualified: boolean;
  median_rows_per_second: number | null;
}

describe('sweep: 2 batch sizes × 2 worker max_in_flight × 2 repeats', () => {
  let r: CliResult;
  let dir: string;
  let summary: { cells: CellOut[]; recommendation: { cell: string } | null; exit_code: number };
  beforeAll(async () => {
    dir = path.join(tmp(), 'sweep');
    r = await runCli(
      [
        'sweep',
        ...SMALL,
        '--batch-size',
        '5,10',
        '--worker-max-in-flight',
        '2,8',
        '--repeat',
        '2',
        '--pg-url',
        db.url,
        '--report-dir',
        dir,
      ],
      { timeoutMs: 400_000 },
    );
    summary = json(path.join(dir, 'summary.json'));
  }, 420_000);

  it('runs every cell twice, each run an ordinary run with its own report folder', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summary.cells).toHaveLength(4);
    expect(summary.cells.map((c) => c.swept)).toEqual([
      { batch_size: 5, worker_max_in_flight: 2 },
      { batch_size: 5, worker_max_in_flight: 8 },
      { batch_size: 10, worker_max_in_flight: 2 },
      { batch_size: 10, worker_max_in_flight: 8 },
    ]);
    for (const c of summary.cells) {
      expect(c.runs.map((x) => x.repeat)).toEqual([1, 2]);
      for (const run of c.runs) {
        const own = json(path.join(dir, run.dir, 'summary.json'));
        expect(own.exit_code).toBe(run.exit_code);
        expect(own.parameters.batchSize).toBe(c.swept.batch_size);
        const m = own.modes[0];
        expect(m.stored_rows).toBe(m.expected_rows);
        for (const f of ['events.ndjson', 'report.md', 'report.html'])
          expect(existsSync(path.join(dir, run.dir, f))).toBe(true);
      }
    }
    // headless: one line per finished cell
    expect(
      r.stdout.split('\n').filter((l) => /^cell-\d\d-\w+ batch_size=\d+ worker_max_in_flight=\d+: 2\/2 runs/.test(l)),
    ).toHaveLength(4);
  });

  it('computes the recommendation from the recorded numbers', () => {
    const medians = summary.cells.map((c) => median(c.runs.map((x) => x.rows_per_second!)));
    expect(summary.cells.map((c) => c.median_rows_per_second)).toEqual(medians);
    const best = summary.cells
      .filter((c) => c.qualified)
      .reduce((a, b) => (b.median_rows_per_second! > a.median_rows_per_second! ? b : a));
    expect(summary.recommendation?.cell).toBe(best.id);
    expect(r.stdout).toContain(
      `recommended: batch_size=${best.swept.batch_size} worker_max_in_flight=${best.swept.worker_max_in_flight}`,
    );
    for (const f of ['report.md', 'report.html'])
      expect(readFileSync(path.join(dir, f), 'utf8')).toContain('recommended: ');
  });

  it('registers the playbook variants under loadrun/sweep/ with the cell’s max_in_flight, originals untouched', async () => {
    const { rows } = await pool.query(
      `SELECT path, content FROM noetl.catalog WHERE path LIKE 'loadrun/sweep/%' ORDER BY path, version`,
    );
    const workers = rows.filter((x) => x.path.endsWith('/heavy_payload_pipeline_chunk_worker'));
    const widths = new Set(
      workers.map(
        (x) =>
          YAML.parse(x.content).workflow.find((s: { step: string }) => s.step === 'process_batch_pipeline').loop.spec
            .max_in_flight,
      ),
    );
    expect(widths).toEqual(new Set([2, 8]));
    expect(new Set(workers.map((x) => x.path)).size).toBe(2); // one variant per width, shared by both batch sizes
    const original = readFileSync(
      path.join(ROOT, 'fixtures/playbooks/loadrun/heavy_payload_chunk_worker.yaml'),
      'utf8',
    );
    expect(
      YAML.parse(original).workflow.find((s: { step: string }) => s.step === 'process_batch_pipeline').loop.spec
        .max_in_flight,
    ).toBe(15);
  });
});

describe('sweep with legacy-loop-state (python dialect)', () => {
  it('stalls the cells whose loop exceeds the cap in every repeat and never recommends them', async () => {
    const dir = path.join(tmp(), 'sweep');
    // 128 KB items add about 2.5 KB each to the worker loop's state: 20 items pass a 32 KiB cap, 5 do not.
    // Two cells at a time on the one sandbox (--parallel-cells): each run still gets its own verdicts.
    const r = await runCli(
      [
        'sweep',
        '--seed-rows',
        '40',
        '--payload-kb',
        '128',
        '--max-batches',
        '2',
        '--modes',
        'chunked_optimal',
        '--batch-size',
        '5,20',
        '--repeat',
        '2',
        '--stall-seconds',
        '3',
        '--stop-on-stall',
        '--parallel-cells',
        '2',
        '--sandbox-fault',
        'legacy-loop-state',
        // the later reference-plus-preview state (02-03) on the period's cap: direct stalls, chunks finish
        '--loop-inline-max-bytes',
        '65536',
        '--loop-state-cap-bytes',
        '32768',
        '--pg-url',
        db.url,
        '--report-dir',
        dir,
      ],
      { timeoutMs: 400_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1); // stalled runs breach the default --fail-on
    const s = json(path.join(dir, 'summary.json')) as { cells: CellOut[]; recommendation: { cell: string } | null };
    const big = s.cells.find((c) => c.swept.batch_size === 20)!;
    const small = s.cells.find((c) => c.swept.batch_size === 5)!;
    expect(big.runs.map((x) => x.verdicts.chunked_optimal)).toEqual(['stalled', 'stalled']);
    expect(big.stalls).toBe(2);
    expect(big.qualified).toBe(false);
    expect(small.runs.map((x) => x.verdicts.chunked_optimal)).toEqual(['completed', 'completed']);
    expect(s.recommendation?.cell).toBe(small.id);
    expect(json(path.join(dir, big.runs[0].dir, 'summary.json')).target.dialect).toContain('python');
  }, 420_000);
});

describe('sweep --resume', () => {
  it('after an interrupt, runs only the missing cells', async () => {
    const dir = path.join(tmp(), 'sweep');
    const args = ['sweep', ...SMALL, '--batch-size', '5,10', '--pg-url', db.url, '--report-dir', dir];
    // Interrupt once the first cell has printed its line.
    const first = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: ROOT,
        env: { ...process.env, CI: 'true', NOETL_LOADRUN_TAIL_WINDOW: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/^cell-01-\w+ .*1\/1 runs/m.test(stdout)) child.kill('SIGINT');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout })));
    });
    expect(first.code, first.stdout).toBe(130);
    const before = json(path.join(dir, 'sweep.json'));
    const done = Object.entries(before.runs as Record<string, Run[]>).filter(([, runs]) =>
      runs.some((x) => x.exit_code !== 130),
    );
    expect(done.map(([id]) => id)).toHaveLength(1);
    const [doneId, doneRuns] = done[0];
    const doneSummary = path.join(dir, doneRuns[0].dir, 'summary.json');
    const mtime = statSync(doneSummary).mtimeMs;

    const r = await runCli(['sweep', '--resume', dir, '--pg-url', db.url], { timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('resuming: 1 finished run(s) kept, 1 to go');
    const after = json(path.join(dir, 'summary.json')) as { cells: CellOut[] };
    expect(after.cells.map((c) => c.runs.length)).toEqual([1, 1]);
    expect(after.cells.find((c) => c.id === doneId)!.runs[0].ended_at).toBe(doneRuns[0].ended_at);
    expect(statSync(doneSummary).mtimeMs).toBe(mtime); // the finished run was not run again
    expect(r.stdout.split('\n').filter((l) => l.startsWith('cell-'))).toHaveLength(1);
  }, 620_000);
});

describe('run --repeat with --max-duration', () => {
  it('runs one setting twice and fails on the duration threshold only when asked', async () => {
    const dir = path.join(tmp(), 'rep');
    const r = await runCli(
      [
        ...SMALL,
        '--batch-size',
        '5',
        '--no-tui',
        '--repeat',
        '2',
        '--max-duration',
        '1ms',
        '--fail-on',
        'timeout',
        '--pg-url',
        db.url,
        '--report-dir',
        dir,
      ],
      { timeoutMs: 300_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const s = json(path.join(dir, 'summary.json')) as { cells: CellOut[] };
    expect(s.cells).toHaveLength(1);
    expect(s.cells[0].runs.map((x) => x.breaches)).toEqual([['timeout'], ['timeout']]);
    expect(r.stdout).toMatch(/stall rate per cell:\n\s+cell-01-\w+\s+·+\s+0%/);
    expect(json(path.join(dir, s.cells[0].runs[0].dir, 'summary.json')).outcome).toMatch(/over --max-duration/);
  }, 320_000);
});
