// bin/noetl-loadrun.js in a clone (issue #28): a dist/ older than the sources is not run; the sources are,
// with one line saying so. Checked on a throwaway copy of the launcher with a tiny dist/ and src/ of its own.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

function clone(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-stale-'));
  for (const d of ['bin', 'dist/src', 'src']) mkdirSync(path.join(dir, d), { recursive: true });
  copyFileSync(path.join(ROOT, 'bin', 'noetl-loadrun.js'), path.join(dir, 'bin', 'noetl-loadrun.js'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(path.join(dir, 'tsconfig.json'), '{"compilerOptions":{"module":"NodeNext","target":"ES2022"}}');
  writeFileSync(
    path.join(dir, 'dist/src/cli.js'),
    'export async function main() { process.stdout.write("built\\n"); }\n',
  );
  writeFileSync(
    path.join(dir, 'src/cli.ts'),
    'export async function main(): Promise<void> { process.stdout.write("sources\\n"); }\n',
  );
  return dir;
}

const run = (dir: string) => {
  const r = spawnSync('node', [path.join(dir, 'bin', 'noetl-loadrun.js')], {
    encoding: 'utf8',
    env: { ...process.env, NOETL_LOADRUN_FROM_SOURCE: '' },
  });
  return { out: r.stdout.trim(), err: r.stderr.trim() };
};

describe('the launcher in a clone', () => {
  it('runs dist/ when it is newer than the sources, and the sources when dist/ is stale', () => {
    const dir = clone();
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(dir, 'src/cli.ts'), old, old);
    expect(run(dir)).toEqual({ out: 'built', err: '' });
    utimesSync(path.join(dir, 'dist/src/cli.js'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect(run(dir)).toEqual({
      out: 'sources',
      err: 'noetl-loadrun: dist/ is older than the sources: running the sources (npm run build refreshes dist/)',
    });
  });
});
