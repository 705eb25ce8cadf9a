// The real CLI, headless, on the sandbox: the smoke comparison exits 0 with reports that agree with the
// database; the legacy-loop-state stress run exits 1 with direct_stress STALLED and the missing ranges.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPg, type EmbeddedPg } from '../src/sandbox/embedded-pg.js';
import { runCli, type CliResult } from './helpers/cli.js';

let db: EmbeddedPg;
let pool: pg.Pool;
let dataPool: pg.Pool;
beforeAll(async () => {
  db = await startEmbeddedPg();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // The sandbox on an outside Postgres creates its data database (demo_noetl) beside the system one.
  dataPool = new pg.Pool({ connectionString: db.url.replace(/\/noetl$/, '/demo_noetl'), max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await dataPool?.end();
  await db?.stop();
});

describe('npm start -- --no-tui --preset smoke', () => {
  let r: CliResult;
  let dir: string;
  beforeAll(async () => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-e2e-')), 'reports');
    r = await runCli(['--no-tui', '--preset', 'smoke', '--pg-url', db.url, '--report-dir', dir]);
  });

  it('exits 0 and prints both modes complete with 0 missing', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/direct_stress\s+COMPLETED\s+120\/120/);
    expect(r.stdout).toMatch(/chunked_optimal\s+COMPLETED\s+120\/120/);
    expect(r.stdout).toContain('direct_stress: 0 missing of 120: none');
    expect(r.stdout).toContain('chunked_optimal: 0 missing of 120: none');
    expect(r.stdout).toContain('Result: exit 0');
  });

  it('never prints the database password', () => {
    const password = new URL(db.url).password;
    expect(r.stdout).not.toContain(password);
    for (const f of ['summary.json', 'report.md', 'events.ndjson'])
      expect(readFileSync(path.join(dir, f), 'utf8')).not.toContain(password);
  });

  it('writes reports that agree with the database', async () => {
    for (const f of ['summary.json', 'events.ndjson', 'report.md']) expect(existsSync(path.join(dir, f))).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.schema_version).toBe(1);
    expect(summary.exit_code).toBe(0);
    for (const m of summary.modes) {
      const { rows } = await dataPool.query(
        `SELECT count(*)::int AS stored, count(*) FILTER (WHERE http_status = 200)::int AS ok, min(item_id) AS lo, max(item_id) AS hi FROM public.heavy_payload_results WHERE execution_id = $1`,
        [m.execution_id],
      );
      expect({ stored: m.stored_rows, ok: m.ok_rows, lo: m.min_item_id, hi: m.max_item_id }).toEqual(rows[0]);
      const ev = await pool.query(
        `SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1::bigint OR execution_id IN (SELECT execution_id FROM noetl.event WHERE parent_execution_id = $1::bigint)`,
        [m.execution_id],
      );
      expect(m.events).toBe(ev.rows[0].n);
      expect(m.verdict).toBe('completed');
      expect(m.missing.count).toBe(0);
      expect(m.summarize.data).toMatchObject({ stored_rows: 120, missing_rows: 0 });
    }
    const lines = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.kind === 'event');
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.length).toBe(summary.modes.reduce((n: number, m: { events: number }) => n + m.events, 0));
    expect(lines.some((l) => l.kind === 'pod' && l.role === 'python-worker')).toBe(true);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('| direct_stress |');
  });
});

describe('npm start -- --no-tui --preset stress --seed-rows 400 --sandbox-fault legacy-loop-state', () => {
  let r: CliResult;
  let dir: string;
  beforeAll(async () => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-e2e-')), 'reports');
    r = await runCli([
      '--no-tui',
      '--preset',
      'stress',
      '--seed-rows',
      '400',
      '--sandbox-fault',
      'legacy-loop-state',
      // the later reference-plus-preview state (02-03) on the period's cap: direct stalls, chunks finish
      '--loop-inline-max-bytes',
      '65536',
      '--stall-seconds',
      '8',
      '--stop-on-stall',
      '--report-dir',
      dir,
    ]);
  });

  it('exits 1 with direct_stress STALLED, chunked_optimal complete, and the missing ranges listed', () => {
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/direct_stress\s+STALLED/);
    expect(r.stdout).toMatch(/chunked_optimal\s+COMPLETED\s+240\/240/);
    // The re-issued item keeps events coming while rows stop: a churning stall (noetl-contract §6.7).
    expect(r.stdout).toMatch(
      /direct_stress STALLED: events kept flowing \(\d+\) but nothing progressed for \d+s; max persisted item_id (\d+)/,
    );
    const missing = /direct_stress: (\d+) missing of 400: (\d+)-400/.exec(r.stdout);
    expect(missing).not.toBeNull();
    expect(Number(missing![1])).toBe(400 - Number(missing![2]) + 1);
    expect(r.stdout).toContain('chunked_optimal: 0 missing of 240: none');
    // chunked_optimal covers items 1..240 (6 windows of 40), all below the point where direct_stress froze.
    expect(r.stdout).toContain('stored by chunked_optimal, missing in direct_stress: none');
    expect(r.stdout).toContain('Result: exit 1');
  });

  it('records the stall facts in summary.json', () => {
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const d = summary.modes.find((m: { mode: string }) => m.mode === 'direct_stress');
    expect(d.verdict).toBe('stalled');
    expect(d.stall.maxPersistedItemId).toBeGreaterThanOrEqual(320);
    expect(d.stall.kind).toBe('churning');
    expect(d.stall.openExecutions).toContain(d.execution_id);
    expect(d.stall.podMemoryTrend.length).toBeGreaterThan(0);
    expect(summary.target.faults).toEqual(['legacy-loop-state']);
  });
});

describe('--json', () => {
  it('writes NDJSON only, ending with the summary record', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-e2e-')), 'reports');
    const r = await runCli([
      '--json',
      '--modes',
      'direct_stress',
      '--seed-rows',
      '20',
      '--payload-kb',
      '4',
      '--report-dir',
      dir,
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.every((l) => typeof l.kind === 'string')).toBe(true);
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({ kind: 'summary', exit_code: 0 });
    expect(last.modes).toEqual([
      expect.objectContaining({ mode: 'direct_stress', verdict: 'completed', stored_rows: 20, missing: 0 }),
    ]);
  });
});
