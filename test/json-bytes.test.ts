// The sandbox's large values encoded once (src/sandbox/json-bytes.ts) and its python replies read as
// bytes (readLines in src/sandbox/python-pool.ts): the same bytes as the plain way, with less work.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { REMEMBER_FROM, jsonBytes } from '../src/sandbox/json-bytes.js';
import { readLines } from '../src/sandbox/python-pool.js';

const big = (tag: string) => ({ tag, blob: `"quoted" ${tag} \u00e9 `.repeat(Math.ceil(REMEMBER_FROM / 10)) });

describe('jsonBytes', () => {
  const realStringify = JSON.stringify;
  afterEach(() => {
    JSON.stringify = realStringify;
  });

  it('gives the bytes of JSON.stringify for every kind of value', () => {
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    const values: unknown[] = [
      null,
      undefined,
      0,
      -1.5e-7,
      'x',
      '',
      true,
      [1, undefined, () => 1, 'a'],
      { a: 1, b: undefined, c: () => 2, d: Symbol('s'), e: null, 'k"ey\n': 'v' },
      { when: new Date(0), nested: { deep: [{ x: 1 }] }, text: 'ünïcødé ✓ 😀', nullProto },
      { toJSON: () => ({ replaced: true }) },
      {},
      big('a'),
      { left: big('b'), right: big('c'), n: 3 },
    ];
    for (const v of values) expect(jsonBytes(v).toString('utf8')).toBe(JSON.stringify(v ?? null));
  });

  it('encodes the Rust http result once although data and body are one object, and reuses it in the next input', () => {
    // The Rust http tool's result carries the response as both data and body (noetl/tools src/tools/http.rs).
    const echoed = big('echo');
    const result = { status_code: 200, headers: { 'content-type': 'application/json' }, data: echoed, body: echoed };
    const request = big('request');
    const seen: unknown[] = [];
    JSON.stringify = ((v: unknown, ...rest: []) => {
      seen.push(v);
      return realStringify(v, ...rest);
    }) as typeof JSON.stringify;
    const first = jsonBytes(result);
    jsonBytes(request);
    const input = jsonBytes({ request, response: result, mode: 'direct_stress' });
    JSON.stringify = realStringify;
    expect(seen.filter((v) => v === echoed)).toHaveLength(1);
    // A tool's result is encoded member by member, its long string once, and remembered as a whole.
    expect(seen.filter((v) => v === request.blob)).toHaveLength(1);
    expect(seen.filter((v) => v === request || v === result)).toHaveLength(0);
    expect(first.toString()).toBe(JSON.stringify(result));
    expect(input.toString()).toBe(JSON.stringify({ request, response: result, mode: 'direct_stress' }));
  });

  it("encodes a large list afresh every time: the engine fills a loop's results while others read them", () => {
    const results = [big('one')];
    expect(jsonBytes({ results }).toString()).toBe(JSON.stringify({ results }));
    results.push(big('two'));
    expect(jsonBytes({ results }).toString()).toBe(JSON.stringify({ results }));
  });

  it('encodes small objects afresh every time', () => {
    const small = { n: 1 };
    expect(jsonBytes({ small }).toString()).toBe('{"small":{"n":1}}');
    small.n = 2;
    expect(jsonBytes({ small }).toString()).toBe('{"small":{"n":2}}');
  });
});

describe('readLines', () => {
  it('gives every line of a real child process, a 3 MB one split over many chunks and several in one chunk', async () => {
    // python3 writes a long line in pieces, then three short lines at once, then a last line without newline.
    const code = [
      'import sys',
      'w = sys.stdout.buffer',
      "for i in range(48): w.write(b'x' * 65536); w.flush()",
      "w.write('é\\n'.encode()); w.write(b'one\\ntwo\\n\\nthree'); w.flush()",
      "w.write(b'-end\\nunterminated')",
    ].join('\n');
    const child = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    try {
      readLines(child.stdout!, (l) => lines.push(l));
      await new Promise((r) => child.stdout!.once('end', r));
    } finally {
      child.kill();
    }
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('x'.repeat(48 * 65536) + 'é');
    expect(lines.slice(1)).toEqual(['one', 'two', '', 'three-end']);
  });
});
