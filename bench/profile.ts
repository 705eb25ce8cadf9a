// Where the App's time goes: a V8 CPU profile (node --cpu-prof) of one render sample, reduced to the
// main thread's busy time per stage over the measured window. The raw profile stays in bench/results/.
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stages in the order a sample is attributed: the first that appears on its stack wins. */
const STAGES: Array<[string, RegExp]> = [
  ['Ink output (compose the frame)', /ink\/build\/renderer\.js|ink\/build\/output\.js/],
  ['terminal write', /ink\/build\/log-update\.js/],
  ['layout (Yoga)', /ink\/build\/ink\.js:calculateLayout|yoga-layout/],
  ['React render', /react-reconciler.*:(renderRootSync|performUnitOfWork|beginWork)/],
  ['React commit', /react-reconciler.*:commitRoot/],
  ['screen snapshot (store → view)', /src\/run\/(store|mode-state)\.ts|components\/useSnapshot/],
  ['synthetic feed (harness)', /bench\/render-app\.tsx/],
  ['garbage collection', /\(garbage collector\)/],
];

/** The observer's stages (a headless run): where its time goes per event read. */
export const OBSERVER_STAGES: Array<[string, RegExp]> = [
  ['event feed and store', /src\/sources\/(event-feed|trail)|src\/run\/(store|mode-state)/],
  ['HTTP (undici)', /undici/],
  ['JSON parse (lossless-json)', /lossless-json/],
  ['Postgres client (pg)', /^pg(-pool|-protocol)?\//],
  ['pod and self sampling (/proc)', /src\/sources\/pods|src\/run\/self-cost/],
  ['events.ndjson and headless output', /src\/render\//],
  ['diagnosis and stall rules', /src\/diagnosis\/|src\/run\/(evidence|stall)/],
  ['garbage collection', /\(garbage collector\)/],
];

const frameKey = (n: ProfileNode) =>
  `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*?\/(src|components|bench)\//, '$1/')}:${n.callFrame.functionName || '(anonymous)'}`;

/** Busy ms per stage after the first `skipMs` of the profile (start-up and warm-up), and the window. */
export function stages(
  file: string,
  skipMs: number,
  table: Array<[string, RegExp]> = STAGES,
): { windowMs: number; busyMs: number; stages: Array<{ stage: string; ms: number; share: number }> } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const stageFor = (id: number): string => {
    let s = stageOf.get(id);
    if (s) return s;
    const stack: string[] = [];
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) stack.push(frameKey(byId.get(c)!));
    s = table.find(([, re]) => stack.some((k) => re.test(k)))?.[0] ?? 'other';
    stageOf.set(id, s);
    return s;
  };
  const ms = new Map<string, number>();
  let t = 0;
  let windowUs = 0;
  let busyUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < skipMs * 1000) continue;
    windowUs += dt;
    const node = byId.get(p.samples[i])!;
    if (node.callFrame.functionName === '(idle)') continue;
    busyUs += dt;
    const s = stageFor(node.id);
    ms.set(s, (ms.get(s) ?? 0) + dt / 1000);
  }
  const list = [...ms]
    .sort((a, b) => b[1] - a[1])
    .map(([stage, v]) => ({ stage, ms: Math.round(v), share: Math.round((v / Math.max(1, busyUs / 1000)) * 100) }));
  return { windowMs: Math.round(windowUs / 1000), busyMs: Math.round(busyUs / 1000), stages: list };
}

/**
 * The main thread's profile of the first process that node --cpu-prof wrote into `dir` (a folder of the
 * profiled run's own: a process's other threads, such as a module-hooks thread, write theirs when the
 * process ends, after the run's end was seen), moved to `dest`; `dir` is removed. Files are named
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 the main one. Undefined when none was written.
 */
export function keepFirstProfile(dir: string, dest: string): string | undefined {
  const mains = readdirSync(dir)
    .map((f) => ({ f, parts: f.split('.') }))
    .filter(({ f, parts }) => f.startsWith('CPU.') && f.endsWith('.cpuprofile') && parts[4] === '0')
    .sort((a, b) => Number(a.parts[3]) - Number(b.parts[3]));
  if (mains.length) copyFileSync(path.join(dir, mains[0].f), dest);
  rmSync(dir, { recursive: true, force: true });
  return mains.length ? dest : undefined;
}
