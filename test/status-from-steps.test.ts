// NOETL_EXECUTION_STATUS_FROM_STEPS on a Rust server (issue #38, observer): with the switch on, its /status
// says FAILED once a step recorded an error, even after playbook.completed (noetl/server
// src/services/execution.rs 941-944 @d9ec700; off by default). The sandbox's rust dialect answers so under
// --status-from-steps; the tool, which ends a mode on its terminal event, reads /status once more at a
// completed end and takes the server's FAILED, saying why (src/run/final-status.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { api, sandbox, type TestSandbox } from './helpers/sandbox.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function runOn(sb: TestSandbox) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-status-steps-'));
  dirs.push(dir);
  const r = await runCli([
    ...['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--no-tui', '--modes', 'direct_stress'],
    ...['--seed-rows', '4', '--payload-kb', '2', '--stall-seconds', '60', '--timeout', '90', '--report-dir', dir],
  ]);
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  return { r, mode: summary.modes[0] };
}

describe('a Rust server whose status comes from the steps', () => {
  it('every item an error result: playbook.completed, the server says FAILED, and so does the tool', async () => {
    const args = ['--http-error-rate', '1'];
    const on = await sandbox({ dialect: 'rust', faults: ['http-errors'], extraArgs: [...args, '--status-from-steps'] });
    const off = await sandbox({ dialect: 'rust', faults: ['http-errors'], extraArgs: args });
    try {
      const flagged = await runOn(on);
      expect(flagged.mode.verdict, flagged.r.stdout).toBe('failed');
      expect(flagged.r.stdout).toMatch(
        /direct_stress: the engine wrote playbook\.completed and its server's status says FAILED: a step recorded an error/,
      );
      const events = await on.pool.query(
        `SELECT event_type FROM noetl.event WHERE execution_id = $1::bigint AND event_type LIKE 'playbook%'`,
        [flagged.mode.execution_id],
      );
      expect(events.rows.map((x) => x.event_type)).toContain('playbook.completed');
      const st = (await api(on.apiUrl, 'GET', `/api/executions/${flagged.mode.execution_id}/status`)).json;
      expect([st.status, st.progress.failed_steps > 0]).toEqual(['FAILED', true]);
      // The same run with the switch off (the default): COMPLETED, the failures counted as before.
      const plain = await runOn(off);
      expect(plain.mode.verdict, plain.r.stdout).toBe('completed');
      expect(plain.r.stdout).not.toMatch(/server's status says FAILED/);
    } finally {
      await on.close();
      await off.close();
    }
  }, 180_000);
});
