// Pure parts of the client: dialect status normalisation, lossless JSON, id validation, base URL
// resolution, SQL inlining for the query endpoint.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, idString } from '../src/json.js';
import { assertId, cmpId, normaliseStatus } from '../src/noetl/client.js';
import { resolveServer } from '../src/noetl/server-url.js';
import { FEED_COLUMNS, inline, q } from '../src/sources/sql.js';
import { childrenOwned } from '../src/run/children.js';

describe('lossless ids', () => {
  const big = '583461712347136001'; // > 2^53
  it('parses integers beyond 2^53 to bigint, never a rounded number', () => {
    const v = parseJson(`{"execution_id": ${big}, "n": 5, "f": 1.5}`) as Record<string, unknown>;
    expect(v.execution_id).toBe(BigInt(big));
    expect(v.n).toBe(5);
    expect(idString(v.execution_id)).toBe(big);
    expect(JSON.parse(`{"x": ${big}}`).x.toString()).not.toBe(big); // what a naive parse does
  });
  it('reads every spelling of an unsafe integer exactly, and a page of string ids as JSON.parse does', () => {
    // Python pages carry numeric ids (noetl/noetl noetl/server/api/execution/endpoint.py); the Rust
    // projection sends them as strings (noetl/server src/handlers/ehdb.rs), which takes the fast path.
    for (const text of [big, `[${big}]`, `[1,${big}]`, `{"a":\n  -${big}}`, `{"s":"x", "id" :${big}}`]) {
      const v = JSON.stringify(parseJson(text), (_k, x) => (typeof x === 'bigint' ? `big:${x}` : x));
      expect(v).toContain(`big:${text.includes('-') ? '-' : ''}${big}`);
    }
    const page = `{"events":[{"event_id":"${big}","execution_id":"${big}","event_type":"call.done","n":9007199254740991}],"limit":1000,"f":0.1234567890123456789}`;
    expect(parseJson(page)).toEqual(JSON.parse(page));
    // Digits inside a string only send the text to the slow parser, which reads it the same.
    const inString = `{"note":"id:${big}","n":2}`;
    expect(parseJson(inString)).toEqual({ note: `id:${big}`, n: 2 });
    expect(() => parseJson('{"a":')).toThrow();
    expect(() => parseJson(`{"a":${big}`)).toThrow();
  });
  it('stringifies bigint exactly', () => {
    expect(stringifyJson({ id: BigInt(big) })).toBe(`{"id":${big}}`);
  });
  it('orders ids numerically as strings', () => {
    expect(cmpId('99', '100')).toBeLessThan(0);
    expect(cmpId(big, '583461712347136002')).toBeLessThan(0);
  });
  it('rejects non-numeric ids', () => {
    expect(() => assertId('12a')).toThrow(/not a number/);
    expect(() => assertId("1'; DROP TABLE x;--")).toThrow(/not a number/);
    expect(assertId(big)).toBe(big);
  });
});

describe('normaliseStatus', () => {
  it('reads the Rust shape (status string, no completed field)', () => {
    const s = normaliseStatus(
      parseJson(
        '{"execution_id":583461712347136001,"status":"COMPLETED","current_step":"end","progress":{"total_steps":9,"completed_steps":9,"running_steps":0,"failed_steps":0},"is_cancelled":false}',
      ) as Record<string, unknown>,
      'x',
    );
    expect(s).toMatchObject({
      executionId: '583461712347136001',
      state: 'completed',
      currentStep: 'end',
      progress: { totalSteps: 9, completedSteps: 9 },
    });
    expect(normaliseStatus({ status: 'RUNNING' }, '1').state).toBe('running');
    expect(normaliseStatus({ status: 'FAILED' }, '1').state).toBe('failed');
    expect(normaliseStatus({ status: 'CANCELLED' }, '1').state).toBe('cancelled');
  });
  it('reads the Python shape (completed/failed, no status)', () => {
    expect(
      normaliseStatus(
        { execution_id: '7', completed: true, failed: false, current_step: 'end', completed_steps: ['a', 'b'] },
        '7',
      ),
    ).toMatchObject({ state: 'completed', progress: { completedSteps: 2 } });
    // Python says failed on any command.failed while the run goes on (noetl/server/api/core/execution.py
    // _STATUS_TERMINAL_EVENT_TYPES): only a terminal event ends a mode, so the flag alone is not final.
    expect(normaliseStatus({ completed: false, failed: true }, '7').state).toBe('running');
    expect(normaliseStatus({ completed: false, failed: false }, '7').state).toBe('running');
  });
});

describe('resolveServer', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-cfg-'));
  const cfg = path.join(dir, 'config.yaml');
  writeFileSync(
    cfg,
    'current_context: kind\ncontexts:\n  kind:\n    server_url: http://ctx.example:9000\n    gateway_session_token: tok-from-config\n',
  );
  it('follows the noetl CLI precedence', () => {
    expect(resolveServer({ serverUrl: 'http://a:1', host: 'b', port: 2, env: {}, configPath: cfg }).url).toBe(
      'http://a:1',
    );
    expect(resolveServer({ host: 'b', port: 2, env: {}, configPath: cfg }).url).toBe('http://b:2');
    expect(resolveServer({ host: 'b', env: {}, configPath: cfg }).url).toBe('http://ctx.example:9000'); // host alone is ignored
    // As PyPI noetl 5.3.2 does (tried here): no environment variable names the server.
    expect(resolveServer({ env: { NOETL_SERVER_URL: 'http://e:3' }, configPath: cfg }).url).toBe(
      'http://ctx.example:9000',
    );
    expect(resolveServer({ env: { NOETL_HOST: 'h', NOETL_PORT: '4' }, configPath: cfg }).url).toBe(
      'http://ctx.example:9000',
    );
    const fromCfg = resolveServer({ env: {}, configPath: cfg });
    expect(fromCfg).toMatchObject({ url: 'http://ctx.example:9000', source: 'config', token: 'tok-from-config' });
    expect(resolveServer({ env: {}, configPath: path.join(dir, 'missing.yaml') }).url).toBe('http://localhost:8082');
    expect(resolveServer({ env: { NOETL_SESSION_TOKEN: 't1' }, sessionToken: 't0', configPath: cfg }).token).toBe('t0');
  });
  it('rejects a malformed URL with a one-line usage error', () => {
    expect(() => resolveServer({ serverUrl: 'not a url', env: {}, configPath: cfg })).toThrow(/is not a valid URL/);
    expect(() => resolveServer({ serverUrl: 'ftp://x', env: {}, configPath: cfg })).toThrow(/must use http/);
  });
});

describe('inline SQL for the query endpoint', () => {
  it('inlines validated ids and quotes strings', () => {
    expect(inline(q.stats('123'))).toContain("execution_id = '123'");
    expect(inline({ text: 'SELECT $1, $2, $3', params: ["it's; DROP", 5, ['1', '2']] })).toBe(
      "SELECT 'it''s; DROP', 5, ARRAY[1,2]",
    );
  });
  it('reads only the columns the event feed uses: no SELECT *, no context or result bodies (issue #27)', () => {
    const text = q.eventsAfter(['1', '2'], '0', 100).text;
    expect(text).not.toMatch(/SELECT \*|\.\*/);
    expect(text).not.toMatch(/\b(context|result|meta)\b/);
    expect(text).toContain(`SELECT ${FEED_COLUMNS} FROM noetl.event`);
    // The late-commit check: a count (no row read), then only the ids not held, in the feed's columns.
    const count = q.spanCounts(['0'], ['1'], ['10'], ['20']).text;
    expect(count).toMatch(/count\(\*\)/);
    expect(count).not.toMatch(/\b(context|result|meta|node_name|event_type)\b/);
    const late = q.eventsInSpan(['1'], '10', '20', ['11', '12']).text;
    expect(late).not.toMatch(/SELECT \*|\.\*|\b(context|result|meta)\b/);
    expect(late).toMatch(/NOT \(e\.event_id = ANY\(\$4::bigint\[\]\)\)/);
    for (const col of FEED_COLUMNS.split(', ')) expect(late).toContain(`e.${col}`);
  });
  it('refuses to inline ids that are not numbers', () => {
    expect(() => inline(q.children(['1); DROP TABLE noetl.event; --']))).toThrow(/non-numeric id/);
  });
});

describe('what a Rust command.completed status says', () => {
  it('reads "timeout" as a failed command, as "error" (noetl/tools result.rs Display; worker command.rs 1224-1257)', async () => {
    const { classify } = await import('../src/noetl/events.js');
    expect(classify('command.completed', 'timeout')).toBe('failed');
    expect(classify('command.completed', 'error')).toBe('failed');
    expect(classify('command.completed', 'success')).not.toBe('failed');
  });

  it('reads no event as a retry: no engine writes one (both log retries; issue #38)', async () => {
    const { classify } = await import('../src/noetl/events.js');
    expect(classify('task.retry', 'RUNNING')).toBe('other');
    expect(classify('call.error', 'RETRYING')).toBe('failed');
    expect(classify('command.failed', 'PENDING')).toBe('failed');
  });
});

describe('which chunk workers belong to a mode (noetl 4.26.0 can record the wrong parent)', () => {
  const child = (executionId: string, parent: string, inputParent: string | null) => ({
    executionId,
    parentExecutionId: parent,
    inputParent,
    batchNumber: null,
  });
  const chunked = new Set(['100', '101']); // the chunked parent and a chunk worker already followed
  const known = new Set([...chunked, '200']); // and direct_stress's execution
  it('follows a child by the parent its input names, even when the engine filed it under another execution', () => {
    const owned = childrenOwned(
      [
        child('102', '100', '100'), // as it should be
        child('103', '200', '100'), // filed under direct_stress's execution
        child('104', '101', '100'), // filed under a sibling chunk worker
        child('105', '200', null), // direct_stress's own child, if it had one
        child('101', '100', '100'), // already followed
      ],
      chunked,
      known,
    );
    expect(owned.map((o) => [o.child.executionId, o.misfiled])).toEqual([
      ['102', false],
      ['103', true],
      ['104', true],
    ]);
  });
  it('falls back to the recorded parent when the input names none, or names no execution of the run', () => {
    const owned = childrenOwned([child('106', '101', null), child('107', '100', '999')], chunked, known);
    expect(owned.map((o) => [o.child.executionId, o.misfiled])).toEqual([
      ['106', false],
      ['107', false],
    ]);
  });
});
