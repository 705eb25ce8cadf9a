// One render-cost sample, run inside a real terminal (tmux) by bench/run.ts: feeds synthetic events at
// a fixed rate for a fixed time into the real App (store + 10 Hz snapshots + maxFps 10), the same App
// wired naively (setState per batch, default maxFps), or a small naive Ink screen (events in React
// state, setState per batch, default maxFps), and writes the process's CPU share and RSS to a JSON file.
// Mode `static`: the real App on a finished run, nothing fed (what the final screen costs while it waits).
import { writeFileSync } from 'node:fs';
import { useEffect, useState } from 'react';
import { parseArgs } from 'node:util';
import asciichart from 'asciichart';
import { keepInkCachesAcrossFrames } from '../components/patches/ink-caches.js';
import { INK_OPTIONS } from '../components/ink-options.js';
import { rememberStringWidths } from '../components/patches/width-cache.js';
import { RunStore } from '../src/run/store.js';
import type { NoetlEvent } from '../src/model.js';

const { values } = parseArgs({
  options: { mode: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' } },
});
const mode = values.mode as 'app' | 'naive-app' | 'naive' | 'static';
// The real screen as the tool draws it: widths remembered (before Ink is linked) and Ink's caches kept
// across frames; the naive ones as Ink draws alone.
const tuned = mode === 'app' || mode === 'static';
if (tuned) rememberStringWidths();
const { Box, render, Text } = await import('ink');
const { App } = await import('../components/App.js');
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const BATCH_MS = 10;
// Snapshots taken into React (each one a commit when it changed), counted in the window only.
let commits = 0;
// Ink's own per-frame metric (the time from a commit to the frame written), counted in the window only.
const frames = { counting: false, count: 0, totalMs: 0, maxMs: 0 };
const onRender = ({ renderTime }: { renderTime: number }) => {
  if (!frames.counting) return;
  frames.count++;
  frames.totalMs += renderTime;
  frames.maxMs = Math.max(frames.maxMs, renderTime);
};
const frameFigures = () => ({
  frames: frames.count,
  frameMs: Math.round((frames.totalMs / Math.max(1, frames.count)) * 100) / 100,
  frameMaxMs: Math.round(frames.maxMs * 10) / 10,
});

let seq = 583461712347136000n;
const TYPES = ['command.issued', 'command.started', 'call.done', 'call.done', 'command.completed'];
function batch(n: number, exec: string): NoetlEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: String(seq++),
    executionId: exec,
    type: TYPES[i % TYPES.length],
    node: 'run_direct_stress',
    status: 'COMPLETED',
    createdAt: null,
  }));
}

type Feed = (evs: NoetlEvent[]) => void;

function Naive({ subscribe }: { subscribe: (f: Feed) => void }) {
  const [events, setEvents] = useState<NoetlEvent[]>([]);
  const [rates, setRates] = useState<number[]>([0]);
  useEffect(() => {
    subscribe((evs) => {
      setEvents((old) => [...old, ...evs].slice(-20));
      setRates((r) => [...r, evs.length].slice(-60));
    });
  }, [subscribe]);
  return (
    <Box flexDirection="column" width={100} borderStyle="round">
      {events.map((e) => (
        <Text key={e.eventId}>{`${e.type} ${e.node} ${e.status}`}</Text>
      ))}
      <Text>{asciichart.plot(rates.length > 1 ? rates : [0, 0], { height: 8 })}</Text>
      <Text>events: {String(seq)}</Text>
    </Box>
  );
}

const stats = (n: number) => ({
  storedRows: n,
  okRows: n,
  minItemId: 1,
  maxItemId: n,
  avgRequestBytes: 262144,
  avgResponseBytes: 524700,
  firstAt: 1,
  lastAt: 2,
  perBatch: {},
});

async function main() {
  let ingested = 0;
  let feed: Feed = () => {};
  let ink;
  if (mode === 'app' || mode === 'naive-app' || mode === 'static') {
    const store = new RunStore({ seedRows: 100000, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: null }, [
      { mode: 'direct_stress', expected: 100000 },
      { mode: 'chunked_optimal', expected: 100000 },
    ]);
    store.markLaunched('direct_stress', '1');
    store.markLaunched('chunked_optimal', '2');
    let rows = 0;
    feed = (evs) => {
      store.recordEvents('direct_stress', evs.slice(0, evs.length >> 1));
      store.recordEvents('chunked_optimal', evs.slice(evs.length >> 1));
      if (++rows % 10 === 0) {
        store.recordRows('direct_stress', stats(rows));
        store.recordRows('chunked_optimal', stats(rows));
      }
    };
    const snap0 = store.snapshot.bind(store);
    store.snapshot = () => {
      if (frames.counting) commits++;
      return snap0();
    };
    const actions = { quit() {}, reconnect() {}, writeSnapshot() {}, togglePause() {} };
    if (mode === 'static') {
      for (let i = 0; i < 200; i++) feed(batch(10, i % 2 ? '1' : '2'));
      store.finish();
      feed = () => {};
    }
    if (tuned) await keepInkCachesAcrossFrames();
    ink = tuned
      ? render(<App store={store} actions={actions} />, { ...INK_OPTIONS, onRender })
      : // the same screen wired naively: a snapshot into React state on every batch, Ink's default maxFps
        render(<App store={store} actions={actions} refreshMs={0} />, {
          exitOnCtrlC: false,
          patchConsole: false,
          onRender,
        });
  } else {
    let sink: Feed = () => {};
    const subscribe = (f: Feed) => (sink = f);
    feed = (evs) => sink(evs);
    ink = render(<Naive subscribe={subscribe} />, { exitOnCtrlC: false, patchConsole: false, onRender });
  }
  const warmupMs = 2000;
  const started = Date.now();
  if (mode === 'static') return measureStatic(ink, warmupMs, started);
  let cpu0: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let rssMax = 0;
  let ticks = 0;
  await new Promise<void>((resolve) => {
    let fedUntil = Date.now();
    const timer = setInterval(() => {
      // Offer exactly `rate` events per second: a tick delayed by a frame feeds what it owes.
      const now = Date.now();
      const owed = Math.max(1, Math.round((rate * (now - fedUntil)) / 1000));
      fedUntil = now;
      const evs = batch(owed, ingested % 2 ? '1' : '2');
      ingested += evs.length;
      feed(evs);
      if (!cpu0 && now - started >= warmupMs) {
        cpu0 = process.cpuUsage();
        t0 = now;
        frames.counting = true;
      }
      // rss() alone: memoryUsage() walks the heap spaces, a cost of the harness, not of the screen.
      if (cpu0 && ++ticks % 50 === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
      if (cpu0 && now - t0 >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, BATCH_MS);
  });
  const cpu = process.cpuUsage(cpu0);
  const wall = Date.now() - t0;
  ink.unmount();
  writeFileSync(
    values.out!,
    JSON.stringify({
      mode,
      rate,
      seconds,
      ingested,
      achievedRate: Math.round(ingested / ((Date.now() - started) / 1000)),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      rssMB: Math.round(rssMax / 1048576),
      ...frameFigures(),
      snapshots: commits,
    }),
  );
  process.exit(0);
}

/** The finished screen left alone: no timer of ours in the measured window. */
async function measureStatic(ink: { unmount(): void }, warmupMs: number, started: number): Promise<void> {
  await new Promise((r) => setTimeout(r, warmupMs));
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  frames.counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = Date.now() - t0;
  ink.unmount();
  writeFileSync(
    values.out!,
    JSON.stringify({
      mode,
      rate: 0,
      seconds,
      ingested: 2000,
      achievedRate: 0,
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      rssMB: Math.round(process.memoryUsage().rss / 1048576),
      startedAgoMs: t0 - started,
      ...frameFigures(),
    }),
  );
  process.exit(0);
}

void main();
