// The TUI's panels rendered at several terminal sizes from a real store fed with events, rows, pods and a
// stall: what appears, and that no frame is ever as tall as the terminal or wider than it.
import asciichart from 'asciichart';
import { Profiler } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../components/App.js';
import { computeLayout, MIN_COLS, MIN_ROWS } from '../components/layout.js';
import { actionFor, keymapOf } from '../components/keymap.js';
import { RunStore } from '../src/run/store.js';
import { renderAt, tick } from './helpers/render.js';

const params = { seedRows: 220, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: 'stress' };

function feed(): RunStore {
  const store = new RunStore(params, [
    { mode: 'direct_stress', expected: 220 },
    { mode: 'chunked_optimal', expected: 220 },
  ]);
  store.setTarget({
    kind: 'sandbox',
    serverUrl: 'http://127.0.0.1:40000',
    dialect: 'rust 3.83.1',
    rowsSource: 'postgres (direct)',
    faults: ['legacy-loop-state'],
  });
  store.markLaunched('direct_stress', '583461712347136001');
  store.markLaunched('chunked_optimal', '583461712347136002');
  store.addChild('chunked_optimal', '583461712347136100', 2);
  let id = 583461712347137000n;
  const ev = (exec: string, type: string, node: string, status: string) => ({
    eventId: String(id++),
    executionId: exec,
    type,
    node,
    status,
    createdAt: null,
  });
  for (let i = 0; i < 30; i++) {
    store.recordEvents('direct_stress', [
      ev('583461712347136001', 'command.issued', 'run_direct_stress', 'PENDING'),
      ev('583461712347136001', 'command.completed', 'run_direct_stress', 'success'),
    ]);
    store.recordEvents('chunked_optimal', [
      ev('583461712347136100', 'call.done', 'process_batch_pipeline', 'COMPLETED'),
    ]);
  }
  store.recordEvents('chunked_optimal', [ev('583461712347136100', 'call.error', 'process_batch_pipeline', 'RETRYING')]);
  // No engine writes a retry event: a retry is a log line, and the Python one names the task, not the step,
  // so with both modes running the count per mode is unknown.
  store.log('worker', 'info', "Message: [TASK_SEQ] Retrying task 'fetch_detail' (attempt 2/4)");
  const stats = (n: number) => ({
    storedRows: n,
    okRows: n,
    minItemId: 1,
    maxItemId: n,
    avgRequestBytes: 262144,
    avgResponseBytes: 524700,
    firstAt: 1,
    lastAt: 2,
    perBatch: { '0': n },
  });
  store.recordRows('direct_stress', stats(134));
  store.recordRows('chunked_optimal', stats(180));
  store.recordPod({
    name: 'sandbox-server',
    role: 'server',
    cpuMillicores: 850,
    memoryBytes: 230 * 1048576,
    sampledAt: Date.now(),
  });
  store.recordPod({
    name: 'sandbox-postgres',
    role: 'postgres',
    cpuMillicores: 400,
    memoryBytes: 330 * 1048576,
    sampledAt: Date.now(),
  });
  store.markStalled('direct_stress', {
    since: Date.now() - 31_000,
    idleSeconds: 31,
    kind: 'silent',
    eventsSinceProgress: 0,
    maxPersistedItemId: 134,
    storedRows: 134,
    expectedRows: 220,
    iterationsIssued: 134,
    iterationsDone: 134,
    retriesPerNode: {},
    openExecutions: ['583461712347136001'],
    podMemoryTrend: [{ pod: 'sandbox-server', firstMiB: 114, lastMiB: 230, deltaMiB: 116 }],
  });
  store.setVerdict('direct_stress', 'stalled');
  store.log('sandbox', 'error', 'loop run_direct_stress: state write rejected (emulated)');
  return store;
}

const actions = { quit() {}, reconnect() {}, writeSnapshot() {}, togglePause() {} };
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function show(cols: number, rows: number, store = feed()) {
  const r = renderAt(<App store={store} actions={actions} refreshMs={20} />, cols, rows);
  cleanup.push(r.unmount);
  return r;
}

function assertFits(frame: string, cols: number, rows: number) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThan(rows);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(cols);
}

describe('App at 120x40', () => {
  it('shows both mode columns, the stall, pods and row counts, within the terminal', async () => {
    const r = show(120, 40);
    await tick(100);
    const f = r.lastFrame();
    expect(f).toContain('direct_stress');
    expect(f).toContain('chunked_optimal');
    expect(f).toContain('STALLED');
    expect(f).toContain('max item 134');
    expect(f).toContain('FAULT legacy-loop-state (emulation)');
    expect(f).toMatch(/sandbox-server\s+850m\s+230Mi/);
    expect(f).toMatch(/sandbox-postgres\s+400m\s+330Mi/);
    expect(f).toMatch(/direct_stress\s+134\s+134\s+1\s+134\s+256K\s+512K/);
    expect(f).toContain('[b2] call.done process_batch_pipeline');
    expect(f).toContain('retries ?');
    assertFits(f, 120, 40);
  });

  it('keeps the stall cause and the pods headers whole at 120 and 80 columns (issue #39 item 12)', async () => {
    for (const [cols, rows] of [
      [120, 40],
      [80, 24],
    ]) {
      const store = feed();
      store.setDiagnosis('direct_stress', {
        state: 'stalled-silent',
        causes: [{ id: 'loop-stopped-issuing', title: 't', confidence: 'medium', evidence: [], advice: [] }],
        facts: [],
      });
      const r = show(cols, rows, store);
      await tick(100);
      const f = r.lastFrame();
      // At 80 × 24 the compact layout has no room for the badge's facts line: 120 columns show it whole.
      if (cols >= 100) expect(f).toContain('likely loop-stopped-issuing');
      if (cols >= 100) expect(f).toMatch(/pods\s+CPU\s+MEM\s+Δ MEM.*\bage\b/);
      assertFits(f, cols, rows);
    }
  });

  it('opens help generated from the keymap, the logs panel and the diff view on keys', async () => {
    const r = show(120, 40);
    await tick(60);
    r.press('?');
    await tick(60);
    for (const b of keymapOf('run')) expect(r.lastFrame()).toContain(b.help.slice(0, 30));
    expect(r.lastFrame()).not.toContain('pause or resume the playback'); // a replay key, not the run's
    r.press('?');
    r.press('l');
    await tick(60);
    expect(r.lastFrame()).toContain('state write rejected (emulated)');
    assertFits(r.lastFrame(), 120, 40);
    r.press('d');
    await tick(60);
    expect(r.lastFrame()).toContain('missing-items diff');
  });

  it("says in the mode's column that it waits for the other mode's tables (issue #39 item 14)", async () => {
    const store = feed();
    store.setWaiting('chunked_optimal', "waiting for direct_stress's tables");
    const r = show(120, 40, store);
    await tick(60);
    expect(r.lastFrame()).toContain("waiting for direct_stress's tables");
    store.setWaiting('chunked_optimal', null);
    await tick(60);
    expect(r.lastFrame()).not.toContain("waiting for direct_stress's tables");
  });

  it('filters the event tails by type', async () => {
    const r = show(120, 40);
    await tick(60);
    r.press('/');
    for (const ch of 'call.error') r.press(ch);
    r.press('\r');
    await tick(80);
    const f = r.lastFrame();
    expect(f).toContain('matching "call.error"');
    expect(f).toContain('call.error process_batch_pipeline RETRYING');
    expect(f).not.toContain('command.issued run_direct_stress');
    // Esc clears the applied filter (issue #39: it did only while typing).
    r.press('\u001b');
    await tick(80);
    expect(r.lastFrame()).not.toContain('matching "call.error"');
    expect(r.lastFrame()).toContain('command.issued run_direct_stress');
  });
});

describe('App at other sizes', () => {
  it.each([
    [80, 24],
    [100, 30],
    [160, 50],
    [200, 60],
  ])('%ix%i fits and keeps the essentials', async (cols, rows) => {
    const r = show(cols, rows);
    await tick(80);
    const f = r.lastFrame();
    expect(f).toContain('direct_stress');
    expect(f).toContain('chunked_optimal');
    expect(f).toContain('STALLED');
    assertFits(f, cols, rows);
  });

  it('shows the size needed below the minimum, never a broken frame', async () => {
    const r = show(70, 20);
    await tick(60);
    expect(r.lastFrame()).toContain(`need at least ${MIN_COLS}×${MIN_ROWS}, have 70×20`);
  });

  it('re-lays out after a resize', async () => {
    const r = show(120, 40);
    await tick(60);
    r.stdout.resize(60, 20);
    await tick(250);
    expect(r.lastFrame()).toContain('have 60×20');
    r.stdout.resize(100, 30);
    await tick(250);
    assertFits(r.lastFrame(), 100, 30);
    expect(r.lastFrame()).toContain('chunked_optimal');
  });
});

describe('layout and keymap', () => {
  it('budgets every size below the terminal height', () => {
    for (const [c, rws] of [
      [80, 24],
      [120, 40],
      [90, 60],
      [300, 80],
    ]) {
      for (const logs of [false, true]) {
        const l = computeLayout(c, rws, { charts: true, tails: true, pods: true, rows: true, logs });
        expect(l.headerHeight + l.modeHeight + l.bottomHeight + l.logsHeight + l.footerHeight).toBeLessThan(rws);
      }
    }
  });
  it('maps keys to actions from one table', () => {
    expect(actionFor('q', {})).toBe('quit');
    expect(actionFor('c', { ctrl: true })).toBe('quit');
    expect(actionFor('', { tab: true })).toBe('focus');
    expect(actionFor('5', {})).toBe('toggle-logs');
    expect(actionFor('z', {})).toBeUndefined();
  });
});

describe('App actions', () => {
  it('sends quit, reconnect, snapshot and pause to the run, and shows the pause', async () => {
    const calls: string[] = [];
    const store = feed();
    const acts = {
      quit: () => calls.push('quit'),
      reconnect: () => calls.push('reconnect'),
      writeSnapshot: () => calls.push('snapshot'),
      togglePause: () => {
        calls.push('pause');
        store.togglePause();
      },
    };
    const r = renderAt(<App store={store} actions={acts} refreshMs={20} />, 120, 40);
    cleanup.push(r.unmount);
    await tick(60);
    for (const k of ['r', 's', 'p', 'q']) r.press(k);
    await tick(100);
    expect(calls).toEqual(['reconnect', 'snapshot', 'pause', 'quit']);
    expect(r.lastFrame()).toContain('events PAUSED');
    expect(r.lastFrame()).toContain('stopping: finishing up and writing the report');
  });
});

describe('render work', () => {
  /** React commits of the App over `ms` after it settled. */
  async function commitsOver(store: RunStore, ms: number): Promise<number> {
    let commits = 0;
    const r = renderAt(
      <Profiler id="app" onRender={() => commits++}>
        <App store={store} actions={actions} refreshMs={20} />
      </Profiler>,
      120,
      40,
    );
    cleanup.push(r.unmount);
    await tick(300);
    const settled = commits;
    await tick(ms);
    return commits - settled;
  }

  it('a running screen redraws for its clock; a finished, static one not at all', async () => {
    expect(await commitsOver(feed(), 2500)).toBeGreaterThanOrEqual(2); // once a second, the elapsed time
    const done = feed();
    done.finish();
    expect(await commitsOver(done, 2500)).toBe(0);
  });

  it('a mode column that did not change is not rendered again when the other one does', async () => {
    const store = feed();
    store.setVerdict('chunked_optimal', 'running');
    const renders: Record<string, number> = {};
    const profile = (id: string) => void (renders[id] = (renders[id] ?? 0) + 1);
    const r = renderAt(<App store={store} actions={actions} refreshMs={20} profile={profile} />, 120, 40);
    cleanup.push(r.unmount);
    await tick(300);
    const before = { ...renders };
    let id = 583461712347199000n;
    for (let i = 0; i < 15; i++) {
      store.recordEvents('chunked_optimal', [
        {
          eventId: String(id++),
          executionId: '583461712347136100',
          type: 'call.done',
          node: 'process_batch_pipeline',
          status: 'COMPLETED',
          createdAt: null,
        },
      ]);
      await tick(100);
    }
    expect(renders.chunked_optimal - before.chunked_optimal).toBeGreaterThanOrEqual(5);
    expect(renders.direct_stress - before.direct_stress).toBe(0); // the stalled column stood still
  });

  it('the rows/s chart is computed again only when its series changes, not on every event', async () => {
    const store = feed();
    store.setVerdict('chunked_optimal', 'running');
    const plot = vi.spyOn(asciichart, 'plot');
    try {
      store.recordRows('chunked_optimal', {
        storedRows: 181,
        okRows: 181,
        minItemId: 1,
        maxItemId: 181,
        avgRequestBytes: 262144,
        avgResponseBytes: 524700,
        firstAt: 1,
        lastAt: 2,
        perBatch: {},
      });
      const r = renderAt(<App store={store} actions={actions} refreshMs={20} />, 120, 40);
      cleanup.push(r.unmount);
      await tick(300);
      const settled = plot.mock.calls.length;
      expect(settled).toBeGreaterThan(0); // the chart is on screen
      let id = 583461712347299000n;
      for (let i = 0; i < 10; i++) {
        store.recordEvents('chunked_optimal', [
          {
            eventId: String(id++),
            executionId: '583461712347136100',
            type: 'call.done',
            node: 'process_batch_pipeline',
            status: 'COMPLETED',
            createdAt: null,
          },
        ]);
        await tick(60);
      }
      expect(r.lastFrame()).toContain('events 41'); // the column did redraw for its events
      expect(plot.mock.calls.length).toBe(settled); // but its chart was not computed again
      store.recordRows('chunked_optimal', {
        storedRows: 190,
        okRows: 190,
        minItemId: 1,
        maxItemId: 190,
        avgRequestBytes: 262144,
        avgResponseBytes: 524700,
        firstAt: 1,
        lastAt: 2,
        perBatch: {},
      });
      await tick(200);
      expect(plot.mock.calls.length).toBeGreaterThan(settled); // a new rows/s sample draws it again
    } finally {
      plot.mockRestore();
    }
  });
});
