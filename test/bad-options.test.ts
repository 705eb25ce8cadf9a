// Option validation, in this process through the same main() the CLI runs (test/helpers/bad-input-cases.ts):
// each bad value gets one line naming the input and what is allowed, exit 2, no stack trace.
import { describe, expect, it } from 'vitest';
import { CASES, expectOneLine, inProcess, SPAWNED } from './helpers/bad-input-cases.js';

describe('bad options', () => {
  const local = CASES.filter(([name]) => !SPAWNED.has(name));
  it(`checks most cases in-process (${local.length} of ${CASES.length})`, () => {
    expect(local.length).toBeGreaterThanOrEqual(25);
  });
  it.each(local)('%s', async (_name, args, code, message) => {
    // No case here needs a sandbox: the ones that do are spawned (their args read it).
    expectOneLine(await inProcess(args(undefined as never)), code, message);
  });
});
