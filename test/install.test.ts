// Install anywhere (issue 16): a clone in a folder the postgres user cannot traverse (a `mktemp -d`,
// mode 0700, as root) runs `npm ci` and a headless sandbox run to exit 0; `npm pack` builds dist/ and a
// package whose installed bin answers --version and --help and runs the same smoke from an empty folder,
// and whose TUI runs on the bundle of Ink the build made (scripts/bundle-ink.ts) with its patches on
// (components/patches/), and off when a pinned version differs.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

  it('the sandbox Postgres cache outlives the clone that made it (issue #39 item 9)', async () => {
    // A cache of this test's own, made from a second copy of the clone; that copy deleted; then a run from
    // the first clone uses the entry it left. Before, the entry linked pg into the copy that made it.
    const cache = mkdtempSync('/var/tmp/loadrun-pgcache-');
    chmodSync(cache, 0o755);
    const copy = mkdtempSync(path.join(os.tmpdir(), 'loadrun-clone2-'));
    try {
      cpSync(clone, copy, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => !src.startsWith(path.join(clone, 'r')),
      });
      const env = { ...scope.env(), NOETL_LOADRUN_PG_CACHE: cache };
      // The same small run from a folder, its report under that folder.
      const smokeIn = (cwd: string, report: string) =>
        sh(
          process.execPath,
          ['bin/noetl-loadrun.js', ...SMOKE, '--modes', 'direct_stress', '--report-dir', path.join(cwd, report)],
          cwd,
          env,
        );
      const first = await smokeIn(copy, 'r');
      expect(first.code, first.out).toBe(0);
      expect(readdirSync(cache).some((d) => d.startsWith('pg-'))).toBe(true);
      rmSync(copy, { recursive: true, force: true });
      const second = await smokeIn(clone, 'r2');
      expect(second.code, second.out).toBe(0);
      const links = execFileSync('find', [cache, '-maxdepth', '3', '-type', 'l'], { encoding: 'utf8' }).trim();
      expect(links).toBe('');
      expect(await leftovers(scope)).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
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

  it("measures text through the bundle's remembered widths once the patches are on, and not when they are off", async () => {
    expect(installed).toBeDefined();
    const pkgDir = path.join(installed!.home, 'node_modules', 'noetl-loadrun');
    // A script inside the installed package, so that 'react' resolves as the bundle's own import does.
    const script = path.join(pkgDir, 'measure-check.mjs');
    writeFileSync(
      script,
      [
        "import { EventEmitter } from 'node:events';",
        "import React from 'react';",
        "const { installPatches } = await import('./dist/components/patches/index.js');",
        'const states = await installPatches();',
        "const ink = await import('./dist/components/ink.js');",
        'const stdout = Object.assign(new EventEmitter(), { columns: 80, rows: 24, isTTY: true, write: () => true });',
        "const text = 'events 12 · ─── █░░';",
        'const app = ink.render(React.createElement(ink.Text, null, text), { stdout, debug: true, patchConsole: false });',
        'app.unmount();',
        'const memos = [...(ink.bundled.rememberedWidths() ?? new Map())];',
        'console.log(JSON.stringify({ states, memos: memos.map(([k, m]) => [k, m.get(text) ?? null]) }));',
      ].join('\n'),
    );
    const measure = async (env: NodeJS.ProcessEnv) => {
      const r = await sh(process.execPath, [script], pkgDir, { ...process.env, NODE_ENV: 'production', ...env });
      expect(r.code, r.out).toBe(0);
      return JSON.parse(r.out.trim().split('\n').pop()!) as {
        states: Array<{ name: string; on: boolean }>;
        memos: Array<[string, number | null]>;
      };
    };
    const on = await measure({});
    expect(on.states.every((s) => s.on)).toBe(true);
    // Both copies of string-width are the remembering one; the one widest-line imports measured the line.
    expect(on.memos.map(([k]) => k).sort()).toEqual([
      'node_modules/string-width/index.js',
      'node_modules/wrap-ansi/node_modules/string-width/index.js',
    ]);
    expect(on.memos.find(([k]) => k === 'node_modules/string-width/index.js')![1]).toBe(19);
    const off = await measure({ NOETL_LOADRUN_PATCHES: 'off' });
    expect(off.states.some((s) => s.on)).toBe(false);
    expect(off.memos.every(([, width]) => width === null)).toBe(true);
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

  it("runs the packed package's TUI on its bundle of Ink with the patches on, and off, saying why, once a pinned version changed", async () => {
    expect(installed).toBeDefined();
    // The TUI of dist/ runs on the bundle of Ink the build made (scripts/bundle-ink.ts), not on the Ink
    // installed beside it: with that one out of the way, it runs the same.
    const inkDir = path.join(installed!.home, 'node_modules', 'ink');
    renameSync(inkDir, `${inkDir}.away`);
    let on: Record<string, unknown>;
    try {
      on = await packedTui(path.join(installed!.home, 'tui-on'));
    } finally {
      renameSync(`${inkDir}.away`, inkDir);
    }
    expect(on.patches).toEqual({ 'string-widths': 'on', 'ink-frame': 'on' });
    // A bundle made from another Ink than the one the patches were proven on.
    const info = path.join(installed!.home, 'node_modules', 'noetl-loadrun', 'dist', 'components', 'ink-bundle.json');
    const original = readFileSync(info, 'utf8');
    expect(JSON.parse(original).versions.ink).toBe('6.8.0');
    writeFileSync(info, original.replace(/"ink": "6\.8\.0"/, '"ink": "6.8.1"'));
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
      writeFileSync(info, original);
    }
    expect(await leftovers(scope)).toEqual([]);
  });
});
