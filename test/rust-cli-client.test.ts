// The real NoETL CLI as a client of the sandbox, on both dialects (issue #38 item 6). PyPI `noetl` 5.x is
// the Rust CLI an engineer drives a server with (noetl-contract §7.11): `catalog register`, `run <path> -r
// distributed --set …`, `status <id> [--json]`, `cancel <id>`. The sandbox must answer it as each engine
// does; the answers checked here are the contract's (§1.2-§1.4, §1.8):
// - `status --json` prints the server's body: Rust `{status, progress, is_cancelled, …}`, Python
//   `{completed, failed, completed_steps, …}` with no status string;
// - the human summary reads Python's flags, so against Rust it says RUNNING whatever the run did;
// - a cancel of an ended execution: Rust 422, which the CLI exits 1 on; Python 400, which it takes as done;
// - an unknown id: 404, the CLI's fallback 404, "Failed to get status" and exit 0.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/model.js';
import { BUNDLED, bundledFile } from '../src/paths.js';
import type { Venv } from '../src/local-noetl/venv.js';
import { sandbox, waitFor, type TestSandbox } from './helpers/sandbox.js';
import { rustCli, rustCliVenv } from './helpers/rust-cli.js';

const SLOW = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: cli_slow
  path: tests/cli_slow
workflow:
  - step: start
    tool:
      kind: python
      code: |
        import time
        time.sleep(30)
        result = {"slept": 30}
`;

const pathOf = (file: string) => /^\s+path:\s*(\S+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';

let venv: Venv;
let dir: string;
beforeAll(async () => {
  venv = await rustCliVenv();
  dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-cli-client-'));
  writeFileSync(path.join(dir, 'slow.yaml'), SLOW);
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const dialect of ['rust', 'python'] as Dialect[]) {
  describe(`noetl 5.x against the sandbox's ${dialect} dialect`, () => {
    let sb: TestSandbox;
    let cli: (...args: string[]) => ReturnType<typeof rustCli>;
    const ended = (s: Record<string, unknown>) =>
      dialect === 'rust' ? ['COMPLETED', 'FAILED', 'CANCELLED'].includes(String(s.status)) : s.completed === true;
    const statusJson = async (id: string) => {
      const r = await cli('status', id, '--json');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    beforeAll(async () => {
      sb = await sandbox({ dialect });
      const port = new URL(sb.apiUrl).port;
      cli = (...args) => rustCli(venv, ['--host', '127.0.0.1', '--port', port, ...args]);
    }, 120_000);
    afterAll(async () => sb?.close());

    it('registers the bundled pair and runs the parent distributed with --set, followed by status --json', async () => {
      for (const f of [BUNDLED.workerFile, BUNDLED.parentFile]) {
        const r = await cli('catalog', 'register', bundledFile(f));
        expect([r.code, r.stdout]).toEqual([0, expect.stringContaining('Playbook registered successfully')]);
      }
      const run = await cli(
        'run',
        pathOf(bundledFile(BUNDLED.parentFile)),
        '-r',
        'distributed',
        '--json',
        '--set',
        'execution_mode=chunked_optimal',
        '--set',
        'seed_rows=12',
        '--set',
        'batch_size=4',
        '--set',
        'max_batches=3',
        '--set',
        'payload_kb_per_item=4',
      );
      expect(run.code).toBe(0);
      const started = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(started).toMatchObject({ status: 'started', execution_id: expect.stringMatching(/^\d+$/) });
      const id = String(started.execution_id);
      const last = await waitFor(async () => {
        const s = await statusJson(id);
        return ended(s) ? s : undefined;
      }, 90_000);
      if (dialect === 'rust') {
        expect(last).toMatchObject({ status: 'COMPLETED', is_cancelled: false, execution_id: Number(id) });
        expect(last).not.toHaveProperty('completed');
      } else {
        expect(last).toMatchObject({ completed: true, failed: false, execution_id: id });
        expect(last).not.toHaveProperty('status');
      }
      // The --set values reached the run: 12 items in three windows of 4, not the playbook's defaults.
      const { rows } = await sb.dataPool.query(
        'SELECT count(*)::int AS n FROM public.heavy_payload_results WHERE execution_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(12);
      // The human summary reads Python's flags: against Rust it says RUNNING for a completed run.
      const human = await cli('status', id);
      expect(human.stdout).toMatch(dialect === 'rust' ? /Status:\s+\S*RUNNING/ : /Status:\s+\S*COMPLETED/);
    }, 150_000);

    it('cancels a running execution, and answers a second cancel as the engine does', async () => {
      expect((await cli('catalog', 'register', path.join(dir, 'slow.yaml'))).code).toBe(0);
      const run = await cli('run', 'tests/cli_slow', '-r', 'distributed', '--json');
      const id = String((JSON.parse(run.stdout) as Record<string, unknown>).execution_id);
      await waitFor(async () => ((await statusJson(id)).current_step === 'start' ? true : undefined), 30_000, 200);
      const first = await cli('cancel', id, '--json');
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject(
        dialect === 'rust' ? { status: 'cancelled', execution_id: Number(id) } : { cancelled_executions: [id] },
      );
      const after = await statusJson(id);
      expect(after).toMatchObject(
        dialect === 'rust' ? { status: 'CANCELLED', is_cancelled: true } : { completed: true },
      );
      const second = await cli('cancel', id, '--json');
      if (dialect === 'rust') {
        expect(second.code).toBe(1);
        expect(second.stderr).toContain('422');
        expect(second.stderr).toContain('Cannot cancel execution in CANCELLED state');
      } else {
        expect(second.code).toBe(0);
        expect(second.stdout).toContain('already cancelled');
      }
    }, 90_000);

    it('an unknown execution: "Failed to get status", exit 0', async () => {
      const r = await cli('status', '12345', '--json');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/Failed to get status: 404 Not Found/);
      expect(r.stdout).toBe('');
    });
  });
}
