// events.ndjson as the run goes (src/render/reports.ts ReportWriter): every record of the store once, in
// order, written in batches (a write per record was a buffer and a queued request per event, at thousands
// a second), and nothing held back when the writer closes at once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NoetlEvent } from '../src/model.js';
import { ReportWriter } from '../src/render/reports.js';
import { finalText } from '../src/render/text.js';
import { readRecords } from '../src/run/replay.js';
import { Player } from '../src/run/player.js';
import { RunStore } from '../src/run/store.js';

function setup() {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-writer-')), 'r');
  const store = new RunStore({ seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null }, [
    { mode: 'direct_stress', expected: 10 },
  ]);
  const writer = new ReportWriter(dir);
  writer.attach(store);
  writer.open();
  store.markLaunched('direct_stress', '1');
  return { dir, store, writer };
}
const events = (n: number, from = 0): NoetlEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    eventId: String(1000 + from + i),
    executionId: '1',
    type: 'call.done',
    node: 'run_direct_stress',
    status: 'COMPLETED',
    createdAt: null,
  }));
const lines = (dir: string) =>
  readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

afterEach(() => vi.restoreAllMocks());

describe('events.ndjson', () => {
  it('holds every event once, in order, written in a few batches rather than a write per event', async () => {
    const writes = vi.spyOn(WriteStream.prototype, 'write');
    const { dir, store, writer } = setup();
    for (let b = 0; b < 5; b++) {
      store.recordEvents('direct_stress', events(1000, b * 1000));
      await new Promise((r) => setImmediate(r));
    }
    await writer.close();
    const ids = lines(dir)
      .filter((r) => r.kind === 'event')
      .map((r) => r.event_id);
    expect(ids).toEqual(Array.from({ length: 5000 }, (_, i) => String(1000 + i)));
    expect(lines(dir).find((r) => r.kind === 'event')).toMatchObject({
      kind: 'event',
      mode: 'direct_stress',
      execution_id: '1',
      event_type: 'call.done',
      node_name: 'run_direct_stress',
      status: 'COMPLETED',
    });
    expect(writes.mock.calls.length).toBeLessThan(50); // about 1.4 MB in 64 KB batches; it was 5,000 writes
  });

  it('keeps what was recorded just before the writer closes', async () => {
    const { dir, store, writer } = setup();
    store.recordEvents('direct_stress', events(3));
    await writer.close(); // no turn of the event loop in between
    expect(lines(dir).filter((r) => r.kind === 'event')).toHaveLength(3);
  });
});

describe('reading events.ndjson back', () => {
  it('keeps the records of known kinds, and leaves out a cut line, a kind unknown here and a non-record', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-records-')), 'events.ndjson');
    const lines = [
      { ts: '2026-12-05T00:00:00Z', kind: 'launch', mode: 'direct_stress', execution_id: '1' },
      { ts: '2026-12-05T00:00:01Z', kind: 'a-kind-of-a-later-version', x: 1 },
      { kind: 'launch', mode: 'direct_stress', execution_id: '2' },
      [1, 2],
    ].map((r) => JSON.stringify(r));
    writeFileSync(file, [...lines, '{"ts":"2026-12-05T00:00:02Z","kind":"pha'].join('\n'));
    expect(readRecords(file)).toEqual([
      { ts: '2026-12-05T00:00:00Z', kind: 'launch', mode: 'direct_stress', execution_id: '1' },
    ]);
  });
});

describe('a run stopped while a mode still ran (issue #39 item 8)', () => {
  it('labels its diff as what was stored so far and names the execution left running on a server', () => {
    const { store, dir } = setup();
    store.setTarget({ kind: 'server', serverUrl: 'http://127.0.0.1:8082' });
    store.setDiff('direct_stress', {
      mode: 'direct_stress',
      executionId: '1',
      expected: 10,
      stored: 4,
      missingCount: 6,
      missing: [[5, 10]],
      windows: [],
    } as never);
    const text = finalText(store.snapshot(), { exitCode: 130, reason: 'interrupted' });
    expect(text).toContain('direct_stress (still RUNNING: stored so far): 6 missing of 10');
    expect(text).toMatch(/left running on the engine: direct_stress 1 — its diff is not final; --cancel-on-exit/);
    // The sandbox and the local engine stop with the tool: nothing is left running there.
    store.setTarget({ kind: 'local' });
    expect(finalText(store.snapshot(), { exitCode: 130, reason: 'interrupted' })).not.toContain('left running');
    void dir;
  });
});

describe('a recorded run played back (issue #39 item 5)', () => {
  it("has the run's own rows/s and pod ages at any speed", async () => {
    let now = Date.parse('2026-12-06T12:00:00Z');
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-player-')), 'r');
    const store = new RunStore(
      { seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null },
      [{ mode: 'direct_stress', expected: 10 }],
      () => now,
    );
    const writer = new ReportWriter(dir);
    writer.attach(store);
    writer.open();
    store.recordRunHeader('noetl-loadrun');
    store.markLaunched('direct_stress', '1');
    const stats = (n: number) => ({
      ...{ storedRows: n, okRows: n, minItemId: 1, maxItemId: n, avgRequestBytes: 1, avgResponseBytes: 1 },
      ...{ firstAt: null, lastAt: null, perBatch: {} },
    });
    for (let i = 1; i <= 5; i++) {
      now += 1000; // one row a second
      store.recordRows('direct_stress', stats(i * 2 > 10 ? 10 : i * 2));
      store.recordPod({ name: 'w', role: 'worker', cpuMillicores: 100, memoryBytes: 1, sampledAt: now });
    }
    const live = store.modeView('direct_stress').rowsPerSecond;
    await writer.close();
    const player = new Player(readRecords(path.join(dir, 'events.ndjson')), 4);
    player.seek(1000);
    const played = player.store.snapshot();
    expect(player.store.modeView('direct_stress').rowsPerSecond).toBeCloseTo(live, 5);
    expect(played.now - played.pods[0].sampledAt).toBe(0); // its age then, not since the recording
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});
