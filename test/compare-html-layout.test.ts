// compare.html laid out at 1400 px with both modes (issue #39 item 16: the two tables overlapped, the right
// one was cut off and run names wrapped into four lines): no two mode boxes overlap, no table runs past its
// box, no row of a table is taller than one line. Headless Chromium with the network blocked.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { compareHtml } from '../src/compare/html.js';
import type { ModeDigest, RunDigest } from '../src/compare/load.js';
import { SeriesRecorder } from '../src/render/series.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const mode = (name: string, stalled: boolean): ModeDigest => ({
  mode: name,
  verdict: stalled ? 'stalled' : 'completed',
  stored: stalled ? 120 : 240,
  expected: 240,
  missing: stalled ? 120 : 0,
  ranges: stalled ? [[121, 240]] : [],
  rowsPerSecond: 12.5,
  seconds: 61.2,
  stallAfter: stalled ? 31.4 : null,
  cause: stalled ? 'loop-stopped-issuing' : null,
  retries: null,
  failures: 0,
  stalls: stalled ? 1 : 0,
});
const run = (label: string, stalled: boolean): RunDigest => ({
  dir: `/tmp/${label}`,
  label,
  startedAt: '2026-12-06T12:00:00.000Z',
  target: 'sandbox, python dialect',
  faults: [],
  params: { seedRows: 240, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: null },
  exitCode: stalled ? 1 : 0,
  modes: [mode('direct_stress', false), mode('chunked_optimal', stalled)],
  peakMiB: { server: 1138, postgres: 332, 'python-worker': 223, observer: 109 },
  cpuPerItem: null,
  secondsPerItem: null,
});

describe.skipIf(!CHROMIUM)('compare.html at 1400 px with both modes', () => {
  it('lays the modes out without overlap, clipping or wrapped rows', async () => {
    const runs = [run('2026-12-06_12-00-00-before-the-fix', true), run('2026-12-06_13-00-00-after-the-fix', false)];
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-cmp-layout-')), 'compare.html');
    writeFileSync(file, compareHtml(runs, [new SeriesRecorder().result(), new SeriesRecorder().result()]));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.route('**/*', (r) => (r.request().url().startsWith('file:') ? r.continue() : r.abort()));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-drawn=yes]', { timeout: 15_000 });
      const boxes = await page.$$eval('.mode', (els) =>
        els.map((el) => {
          const b = el.getBoundingClientRect();
          const t = el.querySelector('table')!.getBoundingClientRect();
          // Lines of text in each row's run name, verdict and figures (the cause and peak MiB may wrap).
          const lines = [...el.querySelectorAll('td:nth-child(-n+6)')].map((td) => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
          });
          return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, tableRight: t.right, lines };
        }),
      );
      expect(boxes).toHaveLength(2);
      const [a, b] = boxes;
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      expect(overlap).toBe(false);
      for (const x of boxes) {
        expect(x.tableRight).toBeLessThanOrEqual(x.right);
        for (const n of x.lines) expect(n).toBe(1);
      }
    } finally {
      await browser.close();
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
