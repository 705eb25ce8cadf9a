// A newcomer's first ten minutes (issue 16): subcommands own their options, durations take units, help
// per command, the dry-run plan as JSON, colour switches, the sandbox's Ctrl-C cleanup, the demo hint.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorEnabled } from '../src/commands/color.js';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';
import { leftovers, ProcessScope } from './helpers/scope.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'loadrun-new-'));
const SMALL = ['--seed-rows', '40', '--payload-kb', '4', '--batch-size', '10', '--max-batches', '4'];

describe('options and help without a server', () => {
  it('takes durations with units everywhere a duration is taken', async () => {
    const r = await runCli([
      '--dry-run',
      '--json',
      '--timeout',
      '30m',
      '--stall-seconds',
      '45s',
      '--stop-on-stall',
      '--poll-interval',
      '1.5',
      '--request-timeout',
      '1m',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.observe).toEqual({ poll_seconds: 1.5, stall_seconds: 45, timeout_seconds: 1800 });
    const bad = await runCli(['--dry-run', '--timeout', '5 fortnights']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--timeout must be a number, got "5 fortnights": seconds, or a duration such as 30s, 5m, 1h/,
    );
  });

  it('prints the dry-run plan as one JSON object with --json', async () => {
    const r = await runCli(['--dry-run', '--json', '--preset', 'smoke']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]);
    expect(plan).toMatchObject({ kind: 'plan', dry_run: true, target: 'sandbox' });
    expect(plan.executions.map((e: { mode: string; expected_rows: number }) => [e.mode, e.expected_rows])).toEqual([
      ['direct_stress', 120],
      ['chunked_optimal', 120],
    ]);
  });

  it('answers help <command> and groups the main help with examples', async () => {
    const r = await runCli(['help', 'diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: noetl-loadrun diff \[options\] <execution_id>/);
    const main = await runCli(['--help']);
    for (const h of ['Run:', 'Target:', 'Sandbox:', 'Output:', 'Advanced:', 'Examples:', 'Exit codes:'])
      expect(main.stdout).toContain(h);
  });

  it('gives a subcommand the options written after it', async () => {
    const r = await runCli(['diff', '1', '--server-url', 'http://127.0.0.1:9', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/); // not localhost:8082, the main command's default
  });

  it('decides colour as no-color.org and chalk do', () => {
    expect(colorEnabled(undefined, {})).toBe(true);
    expect(colorEnabled(undefined, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(undefined, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(undefined, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(undefined, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(false, { FORCE_COLOR: '3' })).toBe(false);
  });
});

describe('the sandbox command', () => {
  it('takes its own options and removes its cluster record on Ctrl-C', async () => {
    const scope = new ProcessScope('sbcmd');
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'sandbox', '--sandbox-fault', 'latency', '--latency-ms', '50', '--dialect', 'python'],
        { cwd: ROOT, env: scope.env({ CI: 'true' }), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      for (let i = 0; i < 600 && !out.includes('Ctrl-C stops it.'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('dialect python');
      expect(out).toContain('fault (emulation): latency');
      const registry = path.join(scope.tmpdir, 'noetl-loadrun', 'clusters');
      expect(readdirSync(registry)).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(readdirSync(registry)).toEqual([]);
      expect(await leftovers(scope)).toEqual([]);
    } finally {
      scope.dispose();
    }
  });
});

describe('on a running sandbox', () => {
  let sb: TestSandbox;
  let ids: string[] = [];
  let runOut = '';
  beforeAll(async () => {
    sb = await sandbox();
    const dir = path.join(tmp(), 'r');
    const r = await runCli([
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      ...SMALL,
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    runOut = r.stdout;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    ids = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).modes.map(
      (m: { execution_id: string }) => m.execution_id,
    );
  });
  afterAll(async () => sb?.close());

  it('diff --json prints the diffs and the cross-mode comparison as JSON', async () => {
    const r = await runCli([
      'diff',
      ids[0],
      '--vs',
      ids[1],
      '--json',
      '--pg-url',
      sb.pgUrl,
      '--data-pg-url',
      sb.dataPgUrl,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.diffs.map((d: { mode: string; missingCount: number }) => [d.mode, d.missingCount])).toEqual([
      ['direct_stress', 0],
      ['chunked_optimal', 0],
    ]);
    expect(out.cross_mode).toEqual({ onlyChunked: [], onlyDirect: [], missingInBoth: [] });
  });

  it('diff in text through the query endpoint names each execution', async () => {
    const r = await runCli(['diff', ids[0], '--server-url', sb.apiUrl]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`direct_stress ${ids[0]}: 0 missing of 40: none`);
  });

  it('a run against a server does not offer the sandbox stall hint', () => {
    expect(runOut).not.toContain('No stall this time');
  });
});

describe('a clean first run on the sandbox', () => {
  it('ends with one line on how to see a stall', async () => {
    const dir = path.join(tmp(), 'r');
    const r = await runCli([...SMALL, '--no-tui', '--report-dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const hint = r.stdout.split('\n').filter((l) => l.includes('No stall this time'));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toContain('--sandbox-fault loop-stops-after-first-window');
    expect(existsSync(path.join(dir, 'summary.json'))).toBe(true);
  });
});
