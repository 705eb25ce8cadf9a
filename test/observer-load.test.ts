// The observer's own load (issue 17): while nothing moves it backs off its polls, and polls at the
// interval again as soon as something moves. Checked on the spacing of the status polls a real run
// recorded, not on how fast anything ran.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../src/run/observe.js';
import { runCli } from './helpers/cli.js';

describe('observer backoff', () => {
  it('doubles the interval while quiet, up to eight times and at most 5 s', () => {
    expect([0, 1, 2, 3, 4, 10].map((q) => backoffMs(1000, q))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect([0, 1, 2, 3].map((q) => backoffMs(300, q))).toEqual([300, 600, 1200, 2400]);
    expect(backoffMs(8000, 3)).toBe(8000); // never faster than --poll-interval
  });

  it('a quiet stretch (every item waiting on a slow endpoint) is polled less, a busy one at the interval', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-quiet-')), 'r');
    const r = await runCli(['--modes', 'direct_stress', '--seed-rows', '4', '--payload-kb', '2', '--poll-interval', '0.3', '--sandbox-fault', 'latency', '--latency-ms', '6000', '--no-tui', '--report-dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const polls = readFileSync(path.join(dir, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.kind === 'status').map((x) => Date.parse(x.ts));
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(1200); // backed off while every item waited 6 s
    expect(Math.min(...gaps)).toBeLessThan(1200); // and polled at the interval while things moved
  });
});
