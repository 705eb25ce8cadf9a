// report.html of a real sandbox run, opened in headless Chromium with the network blocked (issue 14): no
// console error, both modes' series have points, the item strip shows the missing ids of a
// legacy-loop-state run, and a screenshot is kept under test-results/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { ROOT, runCli } from './helpers/cli.js';
import { RECORD_FIELDS } from '../src/model.js';
import { readRecords } from '../src/run/replay.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe.skipIf(!CHROMIUM)('report.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-html-')), 'r');
    const r = await runCli([
      '--seed-rows',
      '80',
      '--payload-kb',
      '128',
      '--batch-size',
      '20',
      '--max-batches',
      '4',
      '--sandbox-fault',
      'legacy-loop-state',
      // the later reference-plus-preview state (02-03) on the period's cap: direct stalls, chunks finish
      '--loop-inline-max-bytes',
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
    expect(r.code, r.stdout + r.stderr).toBe(1);
    writeFileSync(path.join(dir, 'printed.txt'), r.stdout);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => browser?.close());

  it('renders offline with both modes, the stall and the missing items', async () => {
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const direct = summary.modes.find((m: { mode: string }) => m.mode === 'direct_stress');
    expect(direct.verdict).toBe('stalled');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    await page.goto(`file://${path.join(dir, 'report.html')}`);
    await page.waitForSelector('body[data-drawn=yes]', { timeout: 15_000 });
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]); // self-contained
    const data = await page.evaluate(() => JSON.parse(document.getElementById('data')!.textContent!));
    for (const mode of ['direct_stress', 'chunked_optimal']) {
      expect(data.stored[mode].t.length, mode).toBeGreaterThan(1);
      expect(data.events[mode].t.length, mode).toBeGreaterThan(1);
    }
    expect(data.stallAt.direct_stress).toBeGreaterThan(0);
    expect(await page.locator('.uplot').count()).toBeGreaterThanOrEqual(6);
    // No uPlot legend of "--" boxes: a static legend names each chart's series; direct_stress (one loop,
    // no windows) has no window table, chunked_optimal has one.
    expect(await page.locator('.u-legend').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('--');
    expect(await page.locator('.legend span').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('[data-mode=direct_stress] th', { hasText: 'window' }).count()).toBe(0);
    expect(await page.locator('[data-mode=chunked_optimal] th', { hasText: 'window' }).count()).toBe(1);
    const strip = await page.evaluate(() => {
      const cv = document.querySelector('[data-mode=direct_stress] canvas.strip') as HTMLCanvasElement;
      const cols = Number(cv.dataset.cols);
      const cell = Number(cv.dataset.cell);
      const at = (id: number) =>
        Array.from(
          cv
            .getContext('2d')!
            .getImageData(((id - 1) % cols) * cell, Math.floor((id - 1) / cols) * cell, 1, 1)
            .data.slice(0, 3),
        );
      return { missing: cv.dataset.missing, first: at(1), last: at(Number(cv.dataset.expected)) };
    });
    const ranges = (direct.missing.ranges as Array<[number, number]>)
      .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
      .join(',');
    expect(strip.missing).toBe(ranges);
    expect(direct.missing.ranges.at(-1)[1]).toBe(80); // the last item was never stored...
    expect(strip.last).toEqual([198, 40, 40]); // ...and is painted red
    expect(strip.first).toEqual([46, 125, 50]); // the first was stored: green
    mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'report-html.png'), fullPage: true });
    expect(existsSync(path.join(ROOT, 'test-results', 'report-html.png'))).toBe(true);
  });

  it('replay --no-tui prints the summary and diff the original printed', async () => {
    const r = await runCli(['replay', dir, '--no-tui']);
    expect(r.code, r.stderr).toBe(0);
    const original = readFileSync(path.join(dir, 'printed.txt'), 'utf8');
    const section = (t: string) =>
      t
        .slice(t.indexOf('mode  '), t.indexOf('Report:'))
        .replace(/\n.*seconds.*\n/, '\n')
        .split('\n')
        .map((l) => l.replace(/\s+[\d.]+$/, ''))
        .join('\n');
    expect(section(original)).toContain('Missing items:');
    expect(section(r.stdout)).toBe(section(original));
    expect(r.stdout).toMatch(/Result: exit 1 — direct_stress STALLED/);
  });

  it("writes records that carry the fields their kind's type names (RunRecord, RECORD_FIELDS)", () => {
    const seen = new Set<string>();
    for (const rec of readRecords(path.join(dir, 'events.ndjson'))) {
      const fields = RECORD_FIELDS[rec.kind] as string[] | undefined;
      expect(fields, `a record of an unknown kind: ${rec.kind}`).toBeDefined();
      for (const f of fields!) expect(Object.keys(rec), `${rec.kind} without ${f}`).toContain(f);
      seen.add(rec.kind);
    }
    // The kinds a stalled two-mode sandbox run writes (degraded and check need a failing server or a cluster preflight).
    for (const k of ['run', 'target', 'phase', 'launch', 'child', 'event', 'rows', 'pod', 'log', 'stall'])
      expect(seen).toContain(k);
    for (const k of ['diagnosis', 'verdict', 'diff', 'cross_mode', 'outcome']) expect(seen).toContain(k);
  });

  it('report <dir> over a good report rebuilds it byte for byte, but for the rebuild stamp', async () => {
    // Issue #39 item 10: started_at became the rebuild's time and every duration 0.
    const before = ['summary.json', 'report.md'].map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const r = await runCli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const after = ['summary.json', 'report.md'].map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const unstamped = after[0].replace(/,\n {2}"rebuilt_at": "[^"]+"\n}/, '\n}');
    expect(unstamped).not.toBe(after[0]);
    expect(unstamped).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
  });

  it('report <dir> rebuilds the same summary from events.ndjson', async () => {
    const original = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    for (const f of ['summary.json', 'report.md', 'report.html']) rmSync(path.join(dir, f));
    const r = await runCli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const rebuilt = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const essence = (s: typeof original) => ({
      exit: s.exit_code,
      outcome: s.outcome,
      parameters: s.parameters,
      cross: s.cross_mode,
      started: s.started_at,
      duration: s.duration_seconds,
      modes: s.modes,
    });
    expect(essence(rebuilt)).toEqual(essence(original));
    for (const f of ['report.md', 'report.html']) expect(existsSync(path.join(dir, f))).toBe(true);
    expect((await runCli(['report', path.join(dir, 'nope')])).stderr).toMatch(/has no events.ndjson/);
  });
});
