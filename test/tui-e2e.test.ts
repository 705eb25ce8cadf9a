// The real `npm start` under tmux with CI unset: the live screen, the diff at the end, q to exit 0, no
// process left behind and the terminal restored; then a small terminal.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { leftovers } from './helpers/scope.js';
import { tmuxPerTest } from './helpers/tmux.js';

const session = tmuxPerTest('tui');

describe('TUI end to end', () => {
  it('npm start at 120x40: live columns, pods, rows, progress, final diff, q exits 0 and cleans up', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-tui-')), 'r');
    const tmux = session.open(120, 40);
    tmux.start(`npm start --silent -- --report-dir ${dir}`, ROOT, { TMPDIR: session.scope.tmpdir });
    const live = await tmux.waitFor(
      (s) => /stored|\d+\/240/.test(s) && /sandbox-server/.test(s) && /run_direct_stress|run_batch_workers/.test(s),
      60_000,
    );
    expect(live).toContain('direct_stress');
    expect(live).toContain('chunked_optimal');
    expect(live).toMatch(/pods\s+CPU\s+MEM/);
    expect(live).toMatch(/rows\s+stored\s+ok/);
    expect(tmux.screenWithColors()).toMatch(/\x1b\[[0-9;]*3[1-7]m/); // coloured by default
    const first = Number(/(\d+)\/240/.exec(live)?.[1] ?? 0);
    const later = await tmux.waitFor((s) => Number(/(\d+)\/240/.exec(s)?.[1] ?? 0) > first, 60_000);
    const rows = later.replace(/\n$/, '').split('\n');
    expect(rows.length).toBe(40);
    expect(rows[39].trim()).toBe(''); // the live frame stays shorter than the terminal
    const end = await tmux.waitFor((s) => s.includes('missing-items diff — final'), 120_000);
    expect(end).toContain('direct_stress (COMPLETED): 0 missing of 240');
    expect(end).toContain('chunked_optimal (COMPLETED): 0 missing of 240');
    expect(end).toContain('run finished');
    // Each line of the final frame drawn once, nothing left of a live frame (Ink 6.8's incremental
    // rendering left stale lines here: a second phase line, the live footer under the final one).
    expect(end.match(/preflight/g)).toHaveLength(1);
    expect(end).toMatch(/^(preset|custom)\b.* rows · /m);
    expect(end).not.toContain('q quit · ? help');
    tmux.keys('q');
    const after = await tmux.waitFor((s) => /EXIT=\d+/.test(s) && /icanon/.test(s), 30_000); // the wrapper prints the modes after EXIT
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/Result: exit 0/);
    expect(after).toMatch(/(^|\s)icanon echo(\s|$)/m); // not -icanon / -echo: the terminal is restored
    expect(await leftovers(session.scope)).toEqual([]);
  });

  it('80x24, started from another folder: a compact layout that fits, never a broken frame; Ctrl-C stops gracefully with 130', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-tui-')), 'r');
    const tmux = session.open(80, 24);
    // Not the checkout's folder: the sources' JSX must compile by the project's tsconfig wherever the tool
    // is started from (tsx reads the tsconfig of the working folder; elsewhere it failed with "React is not defined").
    tmux.start(
      `node ${path.join(ROOT, 'bin', 'noetl-loadrun.js')} --seed-rows 400 --payload-kb 64 --report-dir ${dir}`,
      path.dirname(dir),
      { TMPDIR: session.scope.tmpdir, NO_COLOR: '1' },
    );
    const s = await tmux.waitFor((x) => /\d+\/400/.test(x) && x.includes('chunked_optimal'), 60_000);
    expect(tmux.screenWithColors()).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)/); // NO_COLOR: no colour
    const lines = s.replace(/\n+$/, '').split('\n');
    expect(lines.length).toBeLessThan(24);
    expect(s).toContain('direct_stress');
    expect(s.split('\n')[0]).toContain('noetl-loadrun');
    tmux.keys('C-c');
    const after = await tmux.waitFor((x) => /EXIT=\d+/.test(x) && /icanon/.test(x), 60_000);
    expect(after).toContain('EXIT=130');
    expect(after).toMatch(/Report: /);
    expect(after).toMatch(/(^|\s)icanon echo(\s|$)/m);
    expect(await leftovers(session.scope)).toEqual([]);
  });

  it('the terminal closed at the final screen: the tool ends, reports written, nothing it started left running', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-tui-')), 'r');
    const tmux = session.open(120, 40);
    tmux.start(`node bin/noetl-loadrun.js --seed-rows 20 --payload-kb 8 --report-dir ${dir}`, ROOT, {
      TMPDIR: session.scope.tmpdir,
    });
    await tmux.waitFor((s) => s.includes('missing-items diff — final'), 120_000);
    expect(session.scope.processes().some((p) => /sandbox\/main/.test(p))).toBe(true); // the sandbox waits with it
    tmux.kill(); // the window closed: SIGHUP to the pane's processes (it once waited for q forever)
    expect(await leftovers(session.scope, 30_000)).toEqual([]);
    expect(existsSync(path.join(dir, 'summary.json'))).toBe(true);
  });

  it('legacy-loop-state shows direct_stress STALLED next to a completed chunked_optimal', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-tui-')), 'r');
    const tmux = session.open(120, 40);
    // A 128 KiB loop-state cap stalls 80 items of 128 KB (the README's 400 x 256 KB run is cli-headless's).
    tmux.start(
      `node bin/noetl-loadrun.js --seed-rows 80 --payload-kb 128 --batch-size 20 --max-batches 4 --sandbox-fault legacy-loop-state --loop-inline-max-bytes 65536 --loop-state-cap-bytes 131072 --stall-seconds 5 --stop-on-stall --report-dir ${dir}`,
      ROOT,
      { TMPDIR: session.scope.tmpdir, NOETL_LOADRUN_TAIL_WINDOW: '1' },
    );
    const live = await tmux.waitFor(
      (x) => x.includes('FAULT legacy-loop-state (emulation)') && /\d+\/80/.test(x),
      60_000,
    );
    expect(live).toContain('direct_stress');
    const end = await tmux.waitFor((x) => x.includes('missing-items diff — final'), 150_000);
    expect(end).toMatch(/direct_stress \(STALLED\): \d+ missing of 80/);
    expect(end).toContain('chunked_optimal (COMPLETED): 0 missing of 80');
    tmux.keys('d'); // back to the columns
    // The badge leads with the likely cause (at 120 columns the facts after it are cut first).
    const cols = await tmux.waitFor((x) => x.includes(' STALLED ') && x.includes('likely loop-state-cap'), 10_000);
    const header = cols.split('\n').find((l) => l.includes('direct_stress') && l.includes('chunked_optimal'))!;
    expect(header).toMatch(/direct_stress \d+\s+STALLED .*chunked_optimal \d+\s+COMPLETED /);
    tmux.keys('q');
    const after = await tmux.waitFor((x) => /EXIT=\d+/.test(x), 30_000);
    expect(after).toContain('EXIT=1');
    expect(await leftovers(session.scope)).toEqual([]);
  });

  it('sweep at 120x40: the grid above the running run, the recommendation at the end, q exits', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-tui-')), 'sw');
    const tmux = session.open(120, 40);
    tmux.start(
      `node bin/noetl-loadrun.js sweep --seed-rows 20 --payload-kb 4 --max-batches 2 --modes chunked_optimal --batch-size 5,10 --report-dir ${dir}`,
      ROOT,
      { TMPDIR: session.scope.tmpdir, NOETL_LOADRUN_TAIL_WINDOW: '1' },
    );
    const live = await tmux.waitFor(
      (x) => /sweep · \d\/2 runs/.test(x) && x.includes('on screen: cell-0') && x.includes('chunked_optimal'),
      90_000,
    );
    expect(live).toMatch(/cell\s+setting\s+state\s+runs\s+rows\/s\s+stalls\s+missing\s+time/);
    expect(live).toMatch(/cell-01-\w+\s+batch_size=5/);
    expect(live).toMatch(/cell-02-\w+\s+batch_size=10/);
    const end = await tmux.waitFor((x) => x.includes('recommended: batch_size='), 120_000);
    expect(end).toMatch(/sweep · 2\/2 runs .* done/);
    tmux.keys('q');
    const after = await tmux.waitFor((x) => /EXIT=\d+/.test(x) && /icanon/.test(x), 30_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/stall rate per cell:/);
    expect(await leftovers(session.scope)).toEqual([]);
  });
});
