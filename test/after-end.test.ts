// Issue #38 N1: on Rust a run ends FAILED at its first failed command (orchestrate-core orchestrator.rs
// 717-773 @d9ec700) while the loop's other commands, claimed or queued, still run and store rows (the claim
// route refuses only after execution.cancelled, server src/handlers/events.rs 1030-1048). The sandbox's rust
// dialect does the same under the http-timeouts fault (every 10th item's request never answered, the tool
// times out, Rust retries no timeout); the tool must not diff while rows still arrive. The python dialect is
// the control: its run ends after its work, so nothing arrives after the end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { sandbox } from './helpers/sandbox.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(dialect: 'rust' | 'python', items: number, faults = ['http-timeouts'], more: string[] = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-after-end-'));
  dirs.push(dir);
  const r = await runCli([
    '--no-tui',
    '--sandbox-dialect',
    dialect,
    '--sandbox-fault',
    ...faults,
    'latency',
    '--latency-ms',
    more.includes('--timeout') ? '1500' : '300',
    ...more,
    '--modes',
    'direct_stress',
    '--seed-rows',
    String(items),
    '--payload-kb',
    '8',
    '--report-dir',
    dir,
  ]);
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const records = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { r, mode: summary.modes[0], records };
}

describe('a run that ends while its commands still run', () => {
  it('rust: FAILED at the first timed-out item, rows still arriving, the diff waits for them', async () => {
    const { r, mode, records } = await run('rust', 120);
    expect(r.code).toBe(1);
    expect(mode.verdict).toBe('failed');
    // The engine's own record: command events of the parent after its playbook.failed row.
    const engine = records.filter((x) => x.kind === 'event' && x.execution_id === mode.execution_id);
    const failedAt = engine.findIndex((x) => /^playbook[._]failed$/.test(String(x.event_type)));
    expect(failedAt).toBeGreaterThan(0);
    expect(engine.slice(failedAt + 1).filter((x) => x.event_type === 'command.completed').length).toBeGreaterThan(0);
    // What the tool made of it: every item but the ten-multiples stored, and said so.
    expect(mode.rows_after_end).toMatchObject({ state: 'failed', rowsAfter: expect.any(Number) });
    expect(mode.rows_after_end.rowsAfter).toBeGreaterThan(0);
    expect(mode.rows_after_end.storedRows + mode.rows_after_end.rowsAfter).toBe(mode.stored_rows);
    expect(mode.stored_rows).toBe(108);
    expect(mode.missing.ranges).toEqual(Array.from({ length: 12 }, (_, i) => [(i + 1) * 10, (i + 1) * 10]));
    const kinds = records.map((x) => x.kind);
    expect(kinds.indexOf('ended_running')).toBeLessThan(kinds.indexOf('rows_settled'));
    expect(kinds.indexOf('rows_settled')).toBeLessThan(kinds.lastIndexOf('verdict'));
    expect(r.stdout).toMatch(/direct_stress: FAILED at \+\d+s with \d+ rows stored, while \d+ command\(s\) still ran/);
    expect(r.stdout).toMatch(/\d+ row\(s\) arrived after the FAILED; the diff waited for them/);
  }, 120_000);

  it('python: the run ends after its work, nothing arrives after the end', async () => {
    const { mode } = await run('python', 20, ['http-timeouts'], ['--http-timeout-seconds', '1']);
    expect(mode.verdict).toBe('failed');
    expect(mode.rows_after_end).toBeNull();
    expect(mode.stored_rows).toBe(18);
  }, 120_000);

  it('rust: the rows that arrive after the tool cancels at --timeout are counted, the diff is of the cancel', async () => {
    const { mode } = await run('rust', 120, [], ['--timeout', '6s', '--cancel-on-exit']);
    expect(mode.verdict).toBe('timeout');
    expect(mode.rows_after_end).toMatchObject({ state: 'cancelled', diffWaited: false });
    expect(mode.rows_after_end.rowsAfter).toBeGreaterThan(0);
    // The diff and the stored figure are those of the cancel.
    expect(mode.stored_rows).toBe(mode.rows_after_end.storedRows);
    expect(mode.missing.count).toBe(120 - mode.stored_rows);
  }, 120_000);

  it('rust: a next run against the same server is told that the earlier run still runs its commands', async () => {
    const sb = await sandbox({ faults: ['latency'], extraArgs: ['--latency-ms', '2000'] });
    const cache = mkdtempSync(path.join(os.tmpdir(), 'loadrun-after-end-cache-'));
    dirs.push(cache);
    try {
      const target = ['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--no-tui', '--modes', 'direct_stress'];
      const env = { NOETL_LOADRUN_CACHE: cache };
      const first = await runCli(
        [
          ...target,
          '--seed-rows',
          '200',
          '--payload-kb',
          '4',
          '--timeout',
          '5s',
          '--cancel-on-exit',
          '--stall-seconds',
          '5',
        ],
        {
          env,
        },
      );
      // --stall-seconds 5 bounds the count after the cancel: most of the 200 items still run when it stops.
      expect(first.stdout).toMatch(/rows were still arriving when observation stopped/);
      const second = await runCli([...target, '--seed-rows', '4', '--payload-kb', '1', '--timeout', '5s'], { env });
      expect(second.stdout + second.stderr).toMatch(/earlier runs still running/);
      expect(second.stdout + second.stderr).toMatch(
        /the engine still runs commands of an earlier run's executions: \d+ \(direct_stress, cancelled/,
      );
    } finally {
      await sb.close();
    }
  }, 180_000);
});
