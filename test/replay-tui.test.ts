// replay in the TUI (issue 14): a recorded run plays back under tmux with its progress advancing, ends on
// the same final diff, seeks back on a key, and q leaves with the original's result printed.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';
import { leftovers } from './helpers/scope.js';
import { tmuxPerTest } from './helpers/tmux.js';

const session = tmuxPerTest('replay');

describe('replay in the TUI', () => {
  it('plays the run back, ends on the same diff, seeks back, and q leaves', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-replay-')), 'r');
    const r = await runCli([
      '--modes',
      'direct_stress',
      '--seed-rows',
      '80',
      '--payload-kb',
      '128',
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
    expect(r.code).toBe(1);
    const missing = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).modes[0].missing.count as number;
    const tmux = session.open(120, 40);
    tmux.start(`node bin/noetl-loadrun.js replay ${dir} --speed 4`, ROOT, { TMPDIR: session.scope.tmpdir });
    const stored = (s: string) => Number(/(\d+)\/80\s/.exec(s)?.[1] ?? -1);
    const early = await tmux.waitFor((s) => s.includes('replay ') && stored(s) >= 0, 20_000);
    const later = await tmux.waitFor((s) => stored(s) > stored(early), 30_000);
    expect(stored(later)).toBeGreaterThan(stored(early));
    const end = await tmux.waitFor((s) => s.includes('missing-items diff — final'), 60_000);
    expect(end).toContain(`direct_stress (STALLED): ${missing} missing of 80`);
    expect(end).toMatch(/replay \S+\/\S+ ×4 · end/);
    tmux.keys(',');
    const back = await tmux.waitFor((s) => !/· end ·/.test(s.split('\n')[0]), 10_000);
    expect(back.split('\n')[0]).toMatch(/^replay /);
    tmux.keys('q');
    const after = await tmux.waitFor((s) => /EXIT=\d+/.test(s), 20_000);
    expect(after).toContain('EXIT=0');
    // Left after a seek back, before the end: the recorded run's end, said to be that (issue #39 item 5).
    expect(after).toMatch(/replay left at \d+\.\d s of \d+\.\d s; the recorded run ended so:/);
    expect(after).toMatch(/Result: exit 1 — direct_stress STALLED/);
    expect(await leftovers(session.scope)).toEqual([]);
  });
});
