// A server that gates its credentials (NOETL_INTERNAL_AUTH_MODE=enforce: 403 on /api/credentials/*,
// noetl-contract §7.6) must not leave the run reading the fixture's rows from the wrong database forever:
// one line naming the credential and the flag that helps, exit 3, nothing launched. The sandbox emulates
// the gate (--internal-auth enforce; the status is upstream's, the message the sandbox's own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { api, sandbox, type TestSandbox } from './helpers/sandbox.js';

describe('a server that refuses credentials', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await sandbox({ extraArgs: ['--internal-auth', 'enforce'] });
  });
  afterAll(async () => sb?.close());

  it('answers 403 on the credential route', async () => {
    expect((await api(sb.apiUrl, 'GET', '/api/credentials/pg_k8s')).status).toBe(403);
  });

  it('stops the run with one line and exit 3', async () => {
    const r = await runCli(['--target', 'server', '--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--no-tui']);
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /the server refuses credential pg_k8s \(HTTP 403\): the fixture's data database is unknown — give --data-pg-url/,
    );
    expect(r.stdout).not.toMatch(/POST \/api\/execute|phase launch: done/);
  });
});
