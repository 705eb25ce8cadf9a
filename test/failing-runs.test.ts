// The sandbox's python dialect ends our failing playbooks the way noetl 4.26.0 ends them (issue #38 item 7;
// the table and what the engine did: test/helpers/failing-runs.ts): a template that reads an attribute of a
// missing attribute of a step result, or tojson's a nested one, raises there, and where it is rendered
// decides the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';
import { endingsOn, expectedOf, FAILING_RUNS, type Ending } from './helpers/failing-runs.js';

let sb: TestSandbox;
let endings: Record<string, Ending>;
beforeAll(async () => {
  sb = await sandbox({ dialect: 'python' });
  endings = await endingsOn(sb.apiUrl, sb.pool, 4000);
}, 120_000);
afterAll(async () => sb?.close());

describe('the python dialect on playbooks 4.26.0 ends its own way (a failure, or no end at all)', () => {
  for (const r of FAILING_RUNS)
    it(`${r.file}: ${r.ending.terminal ?? 'no terminal event'}${r.ending.batchFailed ? ', batch.failed' : ''}`, () => {
      expect(expectedOf(endings[r.file], r.ending)).toEqual(r.ending);
    });
});
