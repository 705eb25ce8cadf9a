// Run options end to end on the sandbox: --sequential, --timeout and --cancel-on-exit.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const tmp = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-opt-')), 'r');
const records = (dir: string) =>
  readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('run options', () => {
  it('--sequential launches chunked_optimal only after direct_stress has ended', async () => {
    const dir = tmp();
    const r = await runCli(['--sequential', '--seed-rows', '30', '--payload-kb', '4', '--no-tui', '--report-dir', dir]);
    expect(r.code, r.stdout).toBe(0);
    const recs = records(dir);
    const directDone = recs.find(
      (x) => x.kind === 'verdict' && x.mode === 'direct_stress' && x.verdict === 'completed',
    );
    const chunkedLaunch = recs.find((x) => x.kind === 'launch' && x.mode === 'chunked_optimal');
    expect(directDone).toBeDefined();
    expect(Date.parse(chunkedLaunch.ts)).toBeGreaterThanOrEqual(Date.parse(directDone.ts));
  });

  it('--timeout ends observation with a TIMEOUT verdict (exit 1) and --cancel-on-exit cancels what still runs', async () => {
    const dir = tmp();
    const r = await runCli([
      '--modes',
      'direct_stress',
      '--seed-rows',
      '400',
      '--payload-kb',
      '64',
      '--sandbox-fault',
      'latency',
      '--latency-ms',
      '500',
      '--timeout',
      '5',
      '--cancel-on-exit',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/direct_stress\s+TIMEOUT/);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const m = summary.modes[0];
    expect(m.verdict).toBe('timeout');
    expect(m.missing.count).toBeGreaterThan(0);
    expect(r.stdout).toContain(`cancelled execution ${m.execution_id} (direct_stress)`);
  });

  it('passes the fault-profile numbers to the sandbox: a smaller loop-state cap stalls earlier', async () => {
    const dir = tmp();
    const r = await runCli([
      '--modes',
      'direct_stress',
      '--seed-rows',
      '80',
      '--payload-kb',
      '128',
      '--sandbox-fault',
      'legacy-loop-state',
      '--loop-inline-max-bytes', // references with previews (02-03): small entries, so the cap is what stops it
      '65536',
      '--loop-state-cap-bytes',
      '131072',
      '--stall-seconds',
      '5',
      '--stop-on-stall',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout).toBe(1);
    const m = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).modes[0];
    expect(m.verdict).toBe('stalled');
    // 128 KiB / about 2.6 KiB per iteration (two 1 KiB previews with their references, small results
    // inline): the count freezes near 50 and up to 20 in flight still land; the default 1 MiB cap would
    // hold all 80 items.
    expect(m.stall.maxPersistedItemId).toBeGreaterThanOrEqual(40);
    expect(m.stall.maxPersistedItemId).toBeLessThan(75);
    expect(r.stdout).toMatch(/loop state put of \d+ bytes failed: nats: maximum payload exceeded \(max_payload 131072/);
  });
});
