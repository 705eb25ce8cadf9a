// Install anywhere (issue 16): a clone in a folder the postgres user cannot traverse (a `mktemp -d`,
// mode 0700, as root) runs `npm ci` and a headless sandbox run to exit 0; `npm pack` builds dist/ and a
// package whose installed bin answers --version and --help and runs the same smoke from an empty folder,
// and whose TUI runs with the patches of Ink on (components/patches/), and off when a pinned version differs.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { leftovers, ProcessScope } from './helpers/scope.js';
import { Tmux } from './helpers/tmux.js';

const SMOKE = ['--no-tui', '--seed-rows', '40', '--payload-kb', '4', '--batch-size', '10', '--max-batches', '4'];
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** A command run asynchronously: a long synchronous spawn would block the test worker's event loop, and
 * vitest's worker RPC times out after 60 s of that. */
function sh(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 240_000,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('installed anywhere', () => {
  const scope = new ProcessScope('install');
  const clone = mkdtempSync(path.join(os.tmpdir(), 'loadrun-clone-')); // 0700, like mktemp -d
  afterAll(() => scope.dispose());
  let installed: { home: string; bin: string } | undefined;

  it('a clone in a 0700 folder runs npm ci and a sandbox run as root', async () => {
    expect(statSync(clone).mode & 0o777).toBe(0o700);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean);
    for (const f of files) cpSync(path.join(ROOT, f), path.join(clone, f), { force: true });
    const ci = await sh('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], clone);
    expect(ci.code, ci.out).toBe(0);
    const run = await sh(
      process.execPath,
      ['bin/noetl-loadrun.js', ...SMOKE, '--report-dir', path.join(clone, 'r')],
      clone,
      scope.env(),
    );
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('Result: exit 0');
    expect(await leftovers(scope)).toEqual([]);
  });

  it('packs (building dist/) into a tarball whose bin works from an empty folder', async () => {
    const dest = mkdtempSync(path.join(os.tmpdir(), 'loadrun-pack-'));
    const pack = await sh('npm', ['pack', '--pack-destination', dest], clone);
    expect(pack.code, pack.out).toBe(0);
    const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'))!;
    expect(tgz).toBe(`noetl-loadrun-${pkg.version}.tgz`);
    const listing = execFileSync('tar', ['-tzf', path.join(dest, tgz)], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/src/cli.js');
    expect(listing).toContain('package/src/sandbox/python_worker.py');
    expect(listing).not.toContain('package/test/');
    const home = mkdtempSync(path.join(os.tmpdir(), 'loadrun-inst-'));
    const inst = await sh(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dest, tgz)],
      home,
    );
    expect(inst.code, inst.out).toBe(0);
    expect(readdirSync(path.join(home, 'node_modules'))).not.toContain('tsx'); // a dev dependency only
    const bin = path.join(home, 'node_modules', '.bin', 'noetl-loadrun');
    expect((await sh(bin, ['--version'], home)).out.trim()).toBe(pkg.version);
    expect((await sh(bin, ['--help'], home)).out).toContain('Usage: noetl-loadrun');
    const run = await sh(bin, [...SMOKE, '--report-dir', path.join(home, 'r')], home, scope.env());
    expect(run.code, run.out).toBe(0);
    expect(await leftovers(scope)).toEqual([]);
    installed = { home, bin };
  });

  /** The packed package's TUI on a smoke run in tmux, left with q at the end; its summary.json's `observer`. */
  async function packedTui(dir: string): Promise<Record<string, unknown>> {
    const tmux = new Tmux(120, 40);
    try {
      const args = SMOKE.filter((a) => a !== '--no-tui').join(' ');
      tmux.start(`${installed!.bin} ${args} --report-dir ${dir}`, installed!.home, { TMPDIR: scope.tmpdir });
      await tmux.waitFor((s) => s.includes('missing-items diff — final'), 180_000);
      tmux.keys('q');
      await tmux.waitFor((s) => /EXIT=0/.test(s), 30_000);
    } finally {
      tmux.kill();
    }
    return JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).observer;
  }

  it("runs the packed package's TUI with its patches on, and off, saying why, once a pinned version changed", async () => {
    expect(installed).toBeDefined();
    const on = await packedTui(path.join(installed!.home, 'tui-on'));
    expect(on.patches).toEqual({ 'string-widths': 'on', 'ink-frame': 'on' });
    // An install that resolved another Ink than the one the patches were proven on.
    const inkPkg = path.join(installed!.home, 'node_modules', 'ink', 'package.json');
    const original = readFileSync(inkPkg, 'utf8');
    writeFileSync(inkPkg, original.replace(/"version": "6\.8\.0"/, '"version": "6.8.1"'));
    try {
      const off = await packedTui(path.join(installed!.home, 'tui-off'));
      const why = 'off: ink 6.8.1 is not the version it was proven on';
      expect(off.patches).toMatchObject({
        'string-widths': expect.stringContaining(why),
        'ink-frame': expect.stringContaining(why),
      });
      const log = readFileSync(path.join(installed!.home, 'tui-off', 'events.ndjson'), 'utf8');
      expect(log).toContain('patch ink-frame off: ink 6.8.1 is not the version it was proven on');
    } finally {
      writeFileSync(inkPkg, original);
    }
    expect(await leftovers(scope)).toEqual([]);
  });
});
