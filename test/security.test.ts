// Security: secrets never shown or written, SQL parameterised, the sandbox on 127.0.0.1 only, and no
// child process started through a shell.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../src/redact.js';
import { safeJson } from '../src/render/reports.js';
import { nodeArgsFor } from '../src/sandbox/supervisor.js';
import { ROOT, runCli } from './helpers/cli.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';

const TOKEN = 'tok-S3cret-9f8e7d6c5b';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('secrets', () => {
  let sb: TestSandbox;
  let password: string;
  beforeAll(async () => {
    sb = await sandbox();
    password = decodeURIComponent(new URL(sb.pgUrl).password);
    expect(password.length).toBeGreaterThan(8);
  });
  afterAll(async () => sb?.close());

  it('never appear on screen, in logs, in reports or in NDJSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-secret-'));
    const base = [
      '--server-url',
      sb.apiUrl,
      '--pg-url',
      sb.pgUrl,
      '--session-token',
      TOKEN,
      '--seed-rows',
      '20',
      '--payload-kb',
      '4',
    ];
    const runs = [
      await runCli([...base, '--no-tui', '--report-dir', path.join(dir, 'a')]),
      await runCli([...base, '--json', '--report-dir', path.join(dir, 'b')]),
      await runCli([...base, '--dry-run', '--report-dir', path.join(dir, 'c')]),
      await runCli([
        '--server-url',
        sb.apiUrl,
        '--pg-url',
        `postgres://noetl:${password}@127.0.0.1:1/noetl`,
        '--session-token',
        TOKEN,
        '--no-tui',
        '--report-dir',
        path.join(dir, 'd'),
      ]),
      await runCli(['diff', '1', '--pg-url', `postgres://noetl:${password}@127.0.0.1:1/noetl`]),
      await runCli(['--pg-url', `postgres://noetl:${password}@[bad`]),
    ];
    expect(runs[0].code).toBe(0);
    expect(runs[1].code).toBe(0);
    expect(runs[3].code).toBe(3); // the unreachable database, reported without its password
    expect(runs[3].stderr).toMatch(/Postgres unreachable: .*check --pg-url/);
    for (const r of runs) {
      for (const secret of [password, TOKEN]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    }
    const files = filesUnder(dir);
    expect(files.length).toBeGreaterThanOrEqual(6); // a and b; c is a dry run and d never launched: no folder
    expect(existsSync(path.join(dir, 'd'))).toBe(false);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(password);
      expect(text, f).not.toContain(TOKEN);
    }
  });
});

describe('safeJson (every report and NDJSON line)', () => {
  it('hides URL passwords and registered secrets, and writes bigints as strings', () => {
    registerSecret('s3cr3t-token-value');
    const line = safeJson({
      id: 583461712347136001n,
      url: 'postgresql://noetl:pw1234@db:5432/noetl',
      note: 'token s3cr3t-token-value',
      plain: 'a://b c@d',
    });
    expect(line).toBe(
      '{"id":"583461712347136001","url":"postgresql://noetl:****@db:5432/noetl","note":"token ****","plain":"a://b c@d"}',
    );
    expect(safeJson({ kind: 'event', node: 'start' })).toBe('{"kind":"event","node":"start"}');
  });
});

describe('the sandbox network surface', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => sb?.close());

  it('listens on 127.0.0.1 only (API, echo endpoint, Postgres)', () => {
    const ports = [new URL(sb.apiUrl).port, new URL(sb.echoUrl).port, new URL(sb.pgUrl).port].map(Number);
    const listening = [
      ...readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1),
      ...readFileSync('/proc/net/tcp6', 'utf8').split('\n').slice(1),
    ]
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '0A') // LISTEN
      .map((c) => ({ addr: c[1].split(':')[0], port: parseInt(c[1].split(':')[1], 16) }));
    for (const port of ports) {
      const socks = listening.filter((x) => x.port === port);
      expect(socks.length, `port ${port}`).toBeGreaterThan(0);
      for (const s of socks) expect(s.addr, `port ${port}`).toBe('0100007F'); // 127.0.0.1, nothing on 0.0.0.0 or ::
    }
  });

  it('refuses to bind anything else', async () => {
    const args = nodeArgsFor(new URL('../src/sandbox/main.ts', import.meta.url));
    const child = spawn(process.execPath, [...args, '--host', '0.0.0.0'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(out).toContain('the sandbox binds 127.0.0.1 only');
  });
});

describe('code rules', () => {
  const src = filesUnder(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts'));

  it('starts no child process through a shell', () => {
    for (const f of src) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/shell:\s*true/);
      expect(text, f).not.toMatch(/(?<![.\w])(execSync|exec)\(/);
      expect(text, f).not.toMatch(/from 'node:child_process';[\s\S]*\bexec\b[,\s}]/);
    }
  });

  it('sends observer SQL only with parameters (no values interpolated into query text)', () => {
    // The observer's SQL lives in src/sources/sql.ts with $n placeholders; elsewhere outside the sandbox
    // (which runs playbook SQL by design) no query text is built by interpolation.
    for (const f of src.filter((x) => !x.includes(`${path.sep}sandbox${path.sep}`))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/\.query\(\s*`[^`]*\$\{/);
    }
    const sql = readFileSync(path.join(ROOT, 'src', 'sources', 'sql.ts'), 'utf8');
    const texts = [...sql.matchAll(/text: `([^`]*)`/g)].map((m) => m[1]);
    expect(texts.length).toBeGreaterThanOrEqual(8);
    const interpolations = texts.flatMap((t) => [...t.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
    // Constants only: the results table's name and the event feed's column list, each a string literal, and
    // the feed's select list, a template with no interpolation.
    expect(new Set(interpolations)).toEqual(new Set(['RESULTS', 'FEED_COLUMNS', 'FEED_SELECT']));
    for (const name of ['RESULTS', 'FEED_COLUMNS']) expect(sql).toMatch(new RegExp(`const ${name} = '[\\w., ]+';`));
    expect(sql).toMatch(/const FEED_SELECT = `[^`$]+`;/);
  });
});
