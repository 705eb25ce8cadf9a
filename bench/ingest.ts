// RSS after ingesting 1M events: the bounded store next to a naive keep-everything array, each in a
// fresh process (run with --expose-gc by bench/run.ts). Prints one JSON line.
import { RunStore } from '../src/run/store.js';
import type { NoetlEvent } from '../src/model.js';

const mode = process.argv[2] as 'store' | 'array';
const total = Number(process.argv[3] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
gc();
const before = process.memoryUsage().rss;
const store = new RunStore({ seedRows: 1, payloadKb: 1, batchSize: 1, maxBatches: 1, preset: null }, [
  { mode: 'direct_stress', expected: 1 },
]);
store.markLaunched('direct_stress', '1');
const kept: NoetlEvent[] = [];
let seq = 583461712347136000n;
const TYPES = ['command.issued', 'command.started', 'call.done', 'command.completed'];
const t0 = performance.now();
for (let i = 0; i < total; i += 1000) {
  const evs: NoetlEvent[] = Array.from({ length: 1000 }, (_, j) => ({
    eventId: String(seq++),
    executionId: '1',
    type: TYPES[j % 4],
    node: 'run_direct_stress',
    status: 'COMPLETED',
    createdAt: '2026-11-27T10:00:00.000000Z',
  }));
  if (mode === 'store') store.recordEvents('direct_stress', evs);
  else kept.push(...evs);
}
const ms = performance.now() - t0;
gc();
const after = process.memoryUsage().rss;
process.stdout.write(
  JSON.stringify({
    mode,
    events: total,
    rssBeforeMB: Math.round(before / 1048576),
    rssAfterMB: Math.round(after / 1048576),
    growthMB: Math.round((after - before) / 1048576),
    eventsPerSecond: Math.round(total / (ms / 1000)),
    kept: kept.length,
  }) + '\n',
);
