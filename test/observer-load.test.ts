// The observer's own load (issue 17): while nothing moves it backs off its polls, and polls at the
// interval again as soon as something moves. Checked on the spacing of the poll rounds a real run
// recorded (each reads the rows), not on how fast anything ran.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffMs, endingSoon } from '../src/run/observe.js';
import { RunStore } from '../src/run/store.js';
import { SelfCost } from '../src/run/self-cost.js';
import {
  BUDGET_FLOOR_MS,
  CHILD_QUIET_MS,
  PollPlan,
  STATUS_EVERY_MS,
  STATUS_HOLD_MAX_MS,
  STATUS_SHARE,
} from '../src/run/poll-plan.js';
import { runCli } from './helpers/cli.js';

describe('observer backoff', () => {
  it('doubles the interval while quiet, up to eight times and at most 5 s', () => {
    expect([0, 1, 2, 3, 4, 10].map((q) => backoffMs(1000, q))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect([0, 1, 2, 3].map((q) => backoffMs(300, q))).toEqual([300, 600, 1200, 2400]);
    expect(backoffMs(8000, 3)).toBe(8000); // never faster than --poll-interval
  });

  it('polls closely once every expected row is stored (the end is near), and for 10 s at most', () => {
    const store = new RunStore({ seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null }, [
      { mode: 'direct_stress', expected: 10 },
    ]);
    store.markLaunched('direct_stress', '583461712347136001');
    const rows = (n: number) => ({
      storedRows: n,
      okRows: n,
      minItemId: 1,
      maxItemId: n,
      avgRequestBytes: 1024,
      avgResponseBytes: 2048,
      firstAt: 1,
      lastAt: 2,
      perBatch: {},
    });
    const since = new Map();
    store.recordRows('direct_stress', rows(9));
    expect(endingSoon({ store }, ['direct_stress'], since, 0)).toBe(false);
    store.recordRows('direct_stress', rows(10));
    expect(endingSoon({ store }, ['direct_stress'], since, 1_000)).toBe(true);
    expect(endingSoon({ store }, ['direct_stress'], since, 10_999)).toBe(true);
    expect(endingSoon({ store }, ['direct_stress'], since, 11_000)).toBe(false); // stored everything, never ended: usual pace
  });

  it('a quiet stretch (every item waiting on a slow endpoint) is polled less, a busy one at the interval', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-quiet-')), 'r');
    const r = await runCli([
      '--modes',
      'direct_stress',
      '--seed-rows',
      '4',
      '--payload-kb',
      '2',
      '--poll-interval',
      '0.3',
      '--sandbox-fault',
      'latency',
      '--latency-ms',
      '6000',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const records = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Every round reads the rows; the /status only in some (poll-plan.ts).
    const polls = records.filter((x) => x.kind === 'rows').map((x) => Date.parse(x.ts));
    expect(records.filter((x) => x.kind === 'status').length).toBeLessThanOrEqual(polls.length);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(1200); // backed off while every item waited 6 s
    expect(Math.min(...gaps)).toBeLessThan(1200); // and polled at the interval while things moved
    // The run's own account of it (summary.json): quiet rounds were counted, with their calls.
    const o = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).observer;
    expect(o.polls).toBeGreaterThan(2);
    expect(o.quiet_seconds).toBeGreaterThan(1);
    expect(o.quiet_api_calls_per_second_per_mode).toBeGreaterThan(0);
    expect(o.rss_mb_start).toBeGreaterThan(10);
    expect(o.diff_ms).toBeGreaterThanOrEqual(0);
    expect(o.frames).toBe(0); // headless: nothing drawn
    // Every event of the run was read (the last count over the sandbox's noetl.event found none unread).
    expect(o.feed).toMatchObject({ window_check: 'count', unread_at_end: 0 });
    expect(o.feed.events).toBeGreaterThan(0);
  });
});

describe('which API reads a round makes (issue #36 item 7)', () => {
  it("reads a mode's /status when its events stood still last round, else every 15 s at most", () => {
    const plan = new PollPlan();
    const t0 = 1_000_000;
    expect(plan.readStatus('direct_stress', 0, t0)).toBe(true); // the first round
    expect(plan.readStatus('direct_stress', 40, t0 + 1000)).toBe(false); // events moved: no status
    expect(plan.readStatus('direct_stress', 90, t0 + 2000)).toBe(false);
    expect(plan.readStatus('direct_stress', 90, t0 + 3000)).toBe(true); // they stood still
    expect(plan.readStatus('direct_stress', 120, t0 + 4000)).toBe(false);
    expect(plan.readStatus('direct_stress', 150, t0 + 3000 + STATUS_EVERY_MS)).toBe(true); // 15 s since the last
    expect(plan.readStatus('chunked_optimal', 5, t0 + 5000)).toBe(true); // each mode on its own
    // Rounds every 250 ms (the finish window) with events standing still: a read at most once a second.
    const reads = [250, 500, 750, 1000, 1250, 1500, 1750, 2000].map((ms) =>
      plan.readStatus('chunked_optimal', 5, t0 + 5000 + ms),
    );
    expect(reads).toEqual([false, false, false, true, false, false, false, true]);
  });

  it('reads an execution whose /status is costly at most STATUS_SHARE of the time, and says so once', async () => {
    let now = 1_000_000;
    const held: string[] = [];
    const plan = new PollPlan(
      () => now,
      (id, ms, waitMs) => held.push(`${id} ${ms} ${waitMs}`),
    );
    const reads: string[] = [];
    const read = plan.reader(async (id) => {
      reads.push(id);
      now += id === 'heavy' ? 3000 : 20; // one answer costs the server 3 s (a 64 KB loop's variables on 4.26.0)
      if (id === 'down') throw new Error('timed out');
      return {
        executionId: id,
        state: 'running' as const,
        currentStep: null,
        progress: null,
        inferred: false,
        raw: {},
      };
    });
    expect(await read('heavy')).toBeDefined();
    const wait = 3000 * (1 / STATUS_SHARE - 1);
    now += wait - 1;
    expect(await read('heavy')).toBeUndefined(); // held back by its budget
    expect(await read('heavy')).toBeUndefined();
    expect(held).toEqual([`heavy 3000 ${wait}`]); // said once
    now += 1;
    expect(await read('heavy')).toBeDefined();
    // A quick read (under BUDGET_FLOOR_MS) is left to the plan: read every time it is asked.
    for (let i = 0; i < 5; i++) expect(await read('light')).toBeDefined();
    expect(reads.filter((r) => r === 'light')).toHaveLength(5);
    expect([plan.reads, plan.readMs]).toEqual([7, 2 * 3000 + 5 * 20]); // the held ones are not reads
    // A read that fails still costs what it waited, and the failure reaches the caller.
    const slowFail = plan.reader(async () => {
      now += BUDGET_FLOOR_MS * 10;
      throw new Error('timed out');
    });
    await expect(slowFail('down')).rejects.toThrow('timed out');
    expect(plan.nextReadAt('down')).toBe(now + BUDGET_FLOOR_MS * 10 * (1 / STATUS_SHARE - 1));
    // A read that waited long (queued behind the server's other work too) holds the next one back at most 5 min.
    const queued = plan.reader(async () => {
      now += 15_000;
      return {
        executionId: 'q',
        state: 'running' as const,
        currentStep: null,
        progress: null,
        inferred: false,
        raw: {},
      };
    });
    await queued('q');
    expect(plan.nextReadAt('q')).toBe(now + STATUS_HOLD_MAX_MS);
  });

  it("asks a child's /status only once it has been quiet for a while", () => {
    let now = 1_000_000;
    const store = new RunStore(
      { seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null },
      [{ mode: 'chunked_optimal', expected: 10 }],
      () => now,
    );
    store.markLaunched('chunked_optimal', '1');
    store.addChild('chunked_optimal', '2', 1);
    expect(store.quietFor('chunked_optimal', '2')).toBe(Infinity); // no event yet
    const ev = { eventId: '9', executionId: '2', type: 'command.issued', node: 'x', status: null, createdAt: null };
    store.recordEvents('chunked_optimal', [ev]);
    now += CHILD_QUIET_MS - 1;
    expect(store.quietFor('chunked_optimal', '2')).toBeLessThan(CHILD_QUIET_MS);
    now += 1;
    expect(store.quietFor('chunked_optimal', '2')).toBe(CHILD_QUIET_MS);
  });
});

describe("the tool's own cost (summary.json observer figures)", () => {
  it('keeps the first and last poll rounds, RSS from the start of observation, and quiet calls per mode', () => {
    const c = new SelfCost();
    for (let i = 0; i < 30; i++) c.poll(i < 10 ? 10 : 40, { moved: i < 20, modes: 2, spanMs: 5000, api: 4, sql: 2 });
    c.diff(12.34);
    c.frame(5);
    c.frame(7);
    const f = c.figures();
    expect(f.polls).toBe(30);
    expect([f.poll_ms_first, f.poll_ms_last]).toEqual([10, 40]);
    expect(f.rss_mb_start).toBeGreaterThan(0);
    expect(f.rss_mb_max).toBeGreaterThanOrEqual(f.rss_mb_end!);
    expect([f.diff_ms, f.frames, f.frame_ms, f.frame_ms_max]).toEqual([12.3, 2, 6, 7]);
    // The median frame is the typical one: a few frames preempted for 80 ms move the mean, not it.
    const d = new SelfCost();
    for (let i = 0; i < 20; i++) d.frame(i < 3 ? 80 : 2.04);
    expect(d.figures().frame_ms_median).toBe(2.05); // the 0.1 ms step holding 2.04
    expect(d.figures().frame_ms).toBeGreaterThan(13);
    // ten quiet rounds of 5 s, 4 API calls and 2 queries each shared by two modes
    expect([f.quiet_seconds, f.quiet_api_calls_per_second_per_mode, f.quiet_sql_queries_per_second_per_mode]).toEqual([
      50, 0.4, 0.2,
    ]);
    // The status reads of each observation add up (summary.json observer.status_reads, status_read_ms).
    c.statusReads(3, 120.4);
    c.statusReads(2, 3000);
    expect([c.figures().status_reads, c.figures().status_read_ms]).toEqual([5, 3120]);
  });
});
