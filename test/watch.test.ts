// watch (issue 13): executions started elsewhere get the same verdicts and diff as the run that launched
// them, whether watched while running or after they finished.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';

const dirOf = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-watch-')), 'r');
type ModeSummary = {
  mode: string;
  execution_id: string;
  verdict: string;
  stored_rows: number;
  missing: { count: number; ranges: unknown } | null;
};
const modesOf = (dir: string): ModeSummary[] => JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).modes;
const essence = (ms: ModeSummary[]) =>
  ms.map((m) => ({ mode: m.mode, id: m.execution_id, verdict: m.verdict, stored: m.stored_rows, missing: m.missing }));

describe('watch', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '300'] });
  });
  afterAll(async () => sb?.close());

  it('a running pair: the same verdicts and diff as the run that launched it', async () => {
    const runDir = dirOf();
    const launcher = spawn(
      process.execPath,
      [
        BIN,
        '--server-url',
        sb.apiUrl,
        '--pg-url',
        sb.pgUrl,
        '--seed-rows',
        '120',
        '--payload-kb',
        '8',
        '--batch-size',
        '30',
        '--max-batches',
        '4',
        '--json',
        '--report-dir',
        runDir,
      ],
      { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    launcher.stdout.on('data', (d) => (out += d));
    const done = new Promise<number | null>((r) => launcher.on('close', (c) => r(c)));
    const ids = async () =>
      out
        .split('\n')
        .filter((l) => l.includes('"kind":"launch"'))
        .map((l) => JSON.parse(l) as { mode: string; execution_id: string });
    for (let i = 0; i < 300 && (await ids()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const [a, b] = await ids();
    const watchDir = dirOf();
    const w = await runCli([
      'watch',
      a.execution_id,
      '--vs',
      b.execution_id,
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--no-tui',
      '--report-dir',
      watchDir,
    ]);
    expect(await done).toBe(0);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(w.stdout).toMatch(/watching \w+ execution \d+ \(started elsewhere\)/);
    const watched = essence(modesOf(watchDir));
    expect(watched.length).toBe(2);
    expect(watched).toEqual(essence(modesOf(runDir)));
    const parents = await sb.pool.query(
      `SELECT count(*)::int AS n FROM noetl.event WHERE event_type = 'playbook_started' AND parent_execution_id IS NULL`,
    );
    expect(parents.rows[0].n).toBe(2); // watch launched nothing
  });

  it('a finished execution: one pass, then the final diff', async () => {
    const runDir = dirOf();
    const r = await runCli([
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--modes',
      'direct_stress',
      '--seed-rows',
      '30',
      '--payload-kb',
      '4',
      '--no-tui',
      '--report-dir',
      runDir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [m] = modesOf(runDir);
    const watchDir = dirOf();
    const w = await runCli([
      'watch',
      m.execution_id,
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--no-tui',
      '--report-dir',
      watchDir,
    ]);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(essence(modesOf(watchDir))).toEqual(essence([m]));
    // Its duration is the execution's, from its events' times, not the watch's own fraction of a second
    // (issue #39 item 7); the run's own measure (launch to end as the tool saw it) is close to it.
    const watched = modesOf(watchDir)[0] as unknown as { duration_seconds: number };
    const original = m as unknown as { duration_seconds: number };
    expect(watched.duration_seconds).toBeGreaterThan(0.5);
    expect(Math.abs(watched.duration_seconds - original.duration_seconds)).toBeLessThan(3);
    expect(w.stdout).toContain(`direct_stress: 0 missing of 30: none`);
    const twice = await runCli([
      'watch',
      m.execution_id,
      '--vs',
      m.execution_id,
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--no-tui',
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/are both direct_stress/);
  });
});
