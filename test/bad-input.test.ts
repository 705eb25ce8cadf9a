// Bad input that starts something (a connection, kubectl, a sandbox run, the report folder), through the
// real CLI as a child process: one line on stderr naming the input and what is allowed, the documented exit
// code, no stack trace, no report folder. Option validation: test/bad-options.test.ts (in-process).
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, expectOneLine, SPAWNED } from './helpers/bad-input-cases.js';
import { runCli } from './helpers/cli.js';
import { HAS_KUBECTL } from './helpers/kubectl.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';

describe('bad input', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => sb?.close());

  it(`has at least 25 cases (${CASES.length}), ${SPAWNED.size} of them through the real CLI`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    for (const name of SPAWNED)
      expect(
        CASES.some(([n]) => n === name),
        name,
      ).toBe(true);
  });

  // "unknown kube context" needs the real kubectl; without it the case is skipped, visibly.
  const runnable = CASES.filter(([name]) => HAS_KUBECTL || name !== 'unknown kube context');
  if (!HAS_KUBECTL) it.skip('unknown kube context (kubectl is not installed)', () => {});
  it.each(runnable.filter(([name]) => SPAWNED.has(name)))('%s (the real CLI)', async (_name, args, code, message) => {
    // Run from an empty folder: the default report folder would appear there if one were written.
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'loadrun-bad-cwd-'));
    const r = await runCli(args(sb), { timeoutMs: 60_000, cwd });
    expect(readdirSync(cwd), 'no report folder when nothing was launched').toEqual([]);
    expectOneLine(r, code, message);
  });
});
