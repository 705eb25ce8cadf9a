#!/usr/bin/env node
// Regenerates the README's pictures: docs/tui.png (the TUI mid-run: a tmux capture with its colours,
// turned into HTML by ansi_up and photographed by headless Chromium) and docs/report.png (that run's
// report.html in headless Chromium). Needs tmux and Debian's chromium.
//   node scripts/capture-pictures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnsiUp } from 'ansi_up';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs');
const work = mkdtempSync(path.join(os.tmpdir(), 'loadrun-pictures-'));
const sock = `loadrun-pictures-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const args = '--sandbox-fault loop-stops-after-first-window --stall-seconds 10';

async function shoot(browser, url, file, width, height) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.route('**/*', (r) => (r.request().url().startsWith('file:') ? r.continue() : r.abort()));
  await page.goto(url);
  await page.waitForTimeout(500);
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
}

mkdirSync(out, { recursive: true });
tmux(
  'new-session',
  '-d',
  '-s',
  'pic',
  '-x',
  '120',
  '-y',
  '40',
  '-c',
  root,
  `env -u CI node bin/noetl-loadrun.js ${args} --report-dir ${work}/r; sleep 120`,
);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  let screen = '';
  for (let i = 0; i < 120; i++) {
    screen = tmux('capture-pane', '-p', '-e', '-t', 'pic');
    if (/\b([4-9]\d|1\d\d)\/240/.test(screen)) break; // mid-run: rows are coming in
    await sleep(500);
  }
  const html = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:8px;font:13px/1.25 'DejaVu Sans Mono',monospace;color:#ddd">${new AnsiUp().ansi_to_html(screen)}</pre></body>`;
  writeFileSync(path.join(work, 'tui.html'), html);
  await shoot(browser, `file://${work}/tui.html`, path.join(out, 'tui.png'), 1000, 680);
  for (let i = 0; i < 300 && !tmux('capture-pane', '-p', '-t', 'pic').includes('missing-items diff — final'); i++)
    await sleep(1000);
  tmux('send-keys', '-t', 'pic', 'q');
  await sleep(3000);
  await shoot(browser, `file://${work}/r/report.html`, path.join(out, 'report.png'), 1400, 1000);
  console.log(`wrote ${path.join(out, 'tui.png')} and ${path.join(out, 'report.png')}`);
} finally {
  await browser.close();
  try {
    tmux('kill-server');
  } catch {
    /* gone */
  }
}
