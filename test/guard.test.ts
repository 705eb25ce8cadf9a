// The production guard (issue #29), with the real kubectl reading a kubeconfig whose contexts point at a
// dead local address: a context named like production stops a headless run before anything is sent
// (exit 2, one line naming it and --yes); --yes and a context named dev go on (to the cluster preflight,
// which then fails on the dead address: past the guard); --dry-run says whether it would ask; the TUI
// (under tmux) asks for the name typed back and goes on only on the exact name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from './helpers/cli.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';
import { tmuxPerTest } from './helpers/tmux.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-guard-'));
const KUBECONFIG = path.join(dir, 'kubeconfig');
writeFileSync(
  KUBECONFIG,
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:\n- name: dead\n  cluster:\n    server: http://127.0.0.1:1',
    'users:\n- name: u\n  user: {}',
    'contexts:\n- name: prod-eu\n  context: {cluster: dead, user: u}\n- name: dev\n  context: {cluster: dead, user: u}',
    'current-context: prod-eu',
    '',
  ].join('\n'),
);
const cluster = (...more: string[]) => [
  '--target',
  'cluster',
  '--kubeconfig',
  KUBECONFIG,
  '--request-timeout',
  '2',
  ...more,
];
const GUARD = /looks like production/;

describe.skipIf(!HAS_KUBECTL)('the production guard', () => {
  it('refuses a headless run on a context named like production: exit 2, one line naming it and --yes', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'loadrun-guard-cwd-'));
    const r = await runCli(cluster('--no-tui'), { cwd });
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    expect(r.code, r.stderr).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /kube context "prod-eu" looks like production \(pattern prod\|production\|live\): nothing was sent — give --yes/,
    );
    expect(r.stdout).not.toMatch(/phase preflight/);
  });

  it('goes on with --yes, and for a context named dev without asking', async () => {
    for (const args of [cluster('--no-tui', '--yes'), cluster('--no-tui', '--context', 'dev')]) {
      const r = await runCli(args, { timeoutMs: 60_000 });
      expect(r.stderr + r.stdout, args.join(' ')).not.toMatch(GUARD);
      expect(r.code).toBe(3); // the preflight found no cluster at the dead address
    }
  });

  it("refuses a server URL named like production, with a pattern of the user's choosing", async () => {
    const live = await runCli(['--target', 'server', '--server-url', 'http://noetl.live.example:8082', '--no-tui']);
    expect([live.code, live.stderr]).toEqual([
      2,
      expect.stringMatching(/server URL "http:\/\/noetl\.live\.example:8082" looks like production/),
    ]);
    const own = await runCli([
      '--target',
      'server',
      '--server-url',
      'http://127.0.0.1:1',
      '--prod-pattern',
      '127\\.0',
      '--no-tui',
    ]);
    expect([own.code, own.stderr]).toEqual([2, expect.stringMatching(/pattern 127\\\.0/)]);
    const bad = await runCli(['--prod-pattern', '(', '--no-tui']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringMatching(/--prod-pattern "\(" is not a regular expression/),
    ]);
  });

  it('is described by --dry-run, which sends nothing', async () => {
    const asks = await runCli(cluster('--dry-run', '--json'));
    expect(JSON.parse(asks.stdout).guard).toEqual({ asks: true, signals: ['kube context "prod-eu"'] });
    const text = await runCli(cluster('--dry-run', '--context', 'dev'));
    expect(text.stdout).toMatch(/guard: +no production signal/);
    const sandbox = await runCli(['--dry-run', '--json']);
    expect(JSON.parse(sandbox.stdout).guard).toEqual({ asks: false, signals: [] });
  });
});

describe.skipIf(!HAS_KUBECTL)('the production guard on a terminal', () => {
  const session = tmuxPerTest('guard');
  const start = () => {
    const tmux = session.open(120, 30);
    tmux.start(`node bin/noetl-loadrun.js ${cluster().join(' ')}`, ROOT, { TMPDIR: session.scope.tmpdir });
    return tmux;
  };

  it('stops on anything but the exact name', async () => {
    const tmux = start();
    await tmux.waitFor((s) => s.includes('Type "prod-eu" to load it'), 30_000);
    tmux.keys('prod', 'Enter');
    const end = await tmux.waitFor((s) => /EXIT=\d+/.test(s), 30_000);
    expect(end).toMatch(/not confirmed: nothing was sent to prod-eu/);
    expect(end).toMatch(/EXIT=2/);
  });

  it('goes on when the name is typed back', async () => {
    const tmux = start();
    await tmux.waitFor((s) => s.includes('Type "prod-eu" to load it'), 30_000);
    tmux.keys('prod-eu', 'Enter');
    // Past the guard: the TUI starts and its preflight meets the dead cluster address.
    const end = await tmux.waitFor((s) => /EXIT=\d+/.test(s) || /preflight/i.test(s), 60_000);
    expect(end).not.toMatch(/not confirmed/);
    tmux.keys('q');
  });
});
