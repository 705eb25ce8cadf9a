// compare and history (issue #29) on real recorded runs from the sandbox: chunked_optimal stalled by the
// loop-stops-after-first-window fault, then the same run without it (the fix). compare names the stall as
// gone and the missing items as recovered, its table, compare.md and compare.html agree, compare.html
// draws offline in headless Chromium with points for both runs, and --fail-on-regression flips the exit
// code both ways; history lists the runs newest first with their verdicts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { ROOT, runCli } from './helpers/cli.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const root = mkdtempSync(path.join(os.tmpdir(), 'loadrun-compare-'));
const stalled = path.join(root, 'runs', '1-stalled');
const fixed = path.join(root, 'runs', '2-fixed');
const SMALL = ['--seed-rows', '40', '--payload-kb', '4', '--batch-size', '5', '--max-batches', '6'];
const ARGS = [...SMALL, '--modes', 'chunked_optimal', '--stall-seconds', '6', '--stop-on-stall', '--no-tui'];

beforeAll(async () => {
  const a = await runCli([...ARGS, '--sandbox-fault', 'loop-stops-after-first-window', '--report-dir', stalled]);
  expect(a.code, a.stdout + a.stderr).toBe(1);
  const b = await runCli([...ARGS, '--sandbox-dialect', 'python', '--report-dir', fixed]);
  expect(b.code, b.stdout + b.stderr).toBe(0);
});

describe('compare', () => {
  it('names the stall gone and the missing items recovered; table, compare.md agree', async () => {
    const out = path.join(root, 'cmp');
    const r = await runCli(['compare', stalled, fixed, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1-stalled\s+STALLED\s+15\/30\s+15 \(16-30\)/);
    expect(r.stdout).toMatch(/2-fixed\s+COMPLETED\s+30\/30\s+0 /);
    expect(r.stdout).toContain('1-stalled → 2-fixed: stall gone, all 15 missing items recovered');
    // The two ran different settings (issue #39 item 6): said before any change is read off them, once each.
    expect(r.stdout).toContain(
      'not comparable: 2-fixed ran another setting: fault profile none (first: loop-stops-after-first-window)',
    );
    expect(r.stdout).not.toContain('sandbox sandbox');
    const md = readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('> **not comparable: 2-fixed ran another setting');
    expect(md).toContain('| 1-stalled | STALLED | 15/30 | 15 (16-30) |');
    expect(md).toContain('- 1-stalled → 2-fixed: stall gone, all 15 missing items recovered');
    const html = readFileSync(path.join(out, 'compare.html'), 'utf8');
    expect(html).toContain('1-stalled → 2-fixed: stall gone, all 15 missing items recovered');
  });

  it('gives exit 1 on a regression of the last run against the first, and 0 the other way', async () => {
    const worse = await runCli([
      'compare',
      fixed,
      stalled,
      '--out',
      path.join(root, 'w'),
      '--fail-on-regression',
      'stall,missing',
    ]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(
      /Regression \(1-stalled against 2-fixed\): chunked_optimal: stalled, the first run did not; chunked_optimal: 15 more missing/,
    );
    const better = await runCli([
      'compare',
      stalled,
      fixed,
      '--out',
      path.join(root, 'b'),
      '--fail-on-regression',
      'stall,missing,throughput:10',
    ]);
    expect([better.code, better.stdout]).toEqual([0, expect.stringContaining('No regression')]);
  });

  it('takes a folder of runs, and refuses what it cannot read in one line', async () => {
    const r = await runCli(['compare', path.join(root, 'runs'), '--out', path.join(root, 'c')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1-stalled → 2-fixed');
    const odd = path.join(root, 'odd');
    mkdirSync(odd);
    writeFileSync(path.join(odd, 'summary.json'), JSON.stringify({ schema_version: 99 }));
    const bad = await runCli(['compare', stalled, odd]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/summary schema version 99; this noetl-loadrun reads version 1/);
    const one = await runCli(['compare', stalled]);
    expect([one.code, one.stderr]).toEqual([2, expect.stringMatching(/compare needs two or more runs, got 1/)]);
  });

  it.skipIf(!CHROMIUM)('compare.html draws offline with points of both runs overlaid', async () => {
    const out = path.join(root, 'cmp');
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.route('**/*', (route) =>
        route.request().url().startsWith('file:') ? route.continue() : route.abort(),
      );
      await page.goto(`file://${path.join(out, 'compare.html')}`);
      await page.waitForSelector('body[data-drawn=yes]', { timeout: 15_000 });
      expect(errors).toEqual([]);
      const data = await page.evaluate(() => JSON.parse(document.getElementById('data')!.textContent!));
      expect(data.runs.map((x: { label: string }) => x.label)).toEqual(['1-stalled', '2-fixed']);
      for (const run of data.runs) expect(run.stored.chunked_optimal.t.length, run.label).toBeGreaterThan(1);
      expect(await page.locator('[data-mode=chunked_optimal] .uplot').count()).toBe(2);
      expect(await page.locator('[data-mode=chunked_optimal] .legend').first().innerText()).toMatch(
        /1-stalled.*2-fixed/,
      );
      mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test-results', 'compare-html.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('--open', () => {
  // A fake xdg-open (the user's browser cannot run here): a script on PATH that records what it was given.
  const bin = path.join(root, 'fake-bin');
  const opened = path.join(root, 'opened.txt');
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> ${opened}\n`, { mode: 0o755 });
  });
  const env = (display: string | undefined) => ({
    PATH: `${bin}:${process.env.PATH}`,
    DISPLAY: display,
    WAYLAND_DISPLAY: undefined,
  });

  it('opens compare.html where there is a display, and prints its path where there is none', async () => {
    const shown = await runCli(['compare', stalled, fixed, '--out', path.join(root, 'o1'), '--open'], {
      env: env(':99'),
    });
    expect(shown.stdout).toContain(`opening ${path.join(root, 'o1', 'compare.html')}`);
    for (let i = 0; i < 50 && !existsSync(opened); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(opened, 'utf8').trim()).toBe(path.join(root, 'o1', 'compare.html'));
    const headless = await runCli(['compare', stalled, fixed, '--out', path.join(root, 'o2'), '--open'], {
      env: env(undefined),
    });
    expect(headless.stdout).toContain(`${path.join(root, 'o2', 'compare.html')} (no display to open it on)`);
    expect(readFileSync(opened, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('opens report.html at the end of a run', async () => {
    const dir = path.join(root, 'opened-run');
    const r = await runCli([...SMALL, '--modes', 'direct_stress', '--no-tui', '--open', '--report-dir', dir], {
      env: env(':99'),
    });
    expect(r.stdout).toContain(`opening ${path.join(dir, 'report.html')}`);
  });
});

describe('history', () => {
  it('lists the runs newest first with their verdicts, and --json parses', async () => {
    const r = await runCli(['history', path.join(root, 'runs')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('chunked_optimal '));
    expect(lines[0]).toMatch(/chunked_optimal COMPLETED .*2-fixed$/);
    expect(lines[1]).toMatch(/chunked_optimal STALLED \(15 missing\) .*1-stalled$/);
    // Throughput is drawn over runs of one setting only: another dialect and a fault profile are another.
    expect(r.stdout).not.toMatch(/rows\/s over 2 runs/);
    expect(lines[1]).toContain('faults loop-stops-after-first-window');
    const json = await runCli(['history', path.join(root, 'runs'), '--json']);
    const recs = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(recs.map((x) => [path.basename(x.folder), x.modes[0].verdict])).toEqual([
      ['2-fixed', 'completed'],
      ['1-stalled', 'stalled'],
    ]);
  });
});
