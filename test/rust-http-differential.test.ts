// The sandbox's rust dialect against the real Rust http tool (issue #38 item 5). PyPI `noetl` 5.x is the
// Rust CLI built with noetl-tools (4.2.0 in 5.3.2's SBOM; noetl-contract §7.11); `noetl.run()` runs a
// playbook in-process and its http steps go through that crate's HttpTool, the code the Rust worker runs.
// The same one-step http playbooks run there and on the sandbox (register → execute), against one recording
// server on 127.0.0.1. Compared: what the server received (method, path and query, content type, body, a
// header), the response as the step sees it (status, data), and the kind of error.
//
// Outside the comparison, each for a reason of the CLI's own layer, not the tool's: the CLI parses a body
// only as a string (its step model), JSON-parses a rendered string before the tool sees it (so a JSON
// text body goes out as application/json there, raw from a worker), reports a run "ok" whatever the status,
// and shapes a step result as {body, status} (the worker's envelope is {status_code, headers, data, body}).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';
import { eventsOf, register, runToEnd, type Row } from './conformance/helpers.js';
import { rustCliVenv } from './helpers/rust-cli.js';
import type { Venv } from '../src/local-noetl/venv.js';

interface Received {
  method: string;
  path: string;
  contentType: string | null;
  body: string;
  probe: string | null;
}

type ErrorKind = 'none' | 'http-status' | 'transport';

interface Outcome {
  received: Received[];
  status: number | null;
  data: unknown;
  error: ErrorKind;
  /** A transport error's text, as the tool printed it. */
  message?: string;
}

const sortedQuery = (q: URLSearchParams) => {
  const pairs = [...q.entries()].sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '';
};

/** The recording server: every request by case (the path's second segment), and answers by route. */
function recorder(): { server: Server; got: Map<string, Received[]> } {
  const got = new Map<string, Received[]>();
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const [, route, name = ''] = url.pathname.split('/');
      const key = name.replace(/-target$/, '');
      const list = got.get(key) ?? [];
      list.push({
        method: req.method ?? '',
        // The Rust tool keeps params in a HashMap: their order on the wire differs from run to run.
        path: url.pathname + sortedQuery(url.searchParams),
        contentType: req.headers['content-type'] ?? null,
        body,
        probe: (req.headers['x-probe'] as string | undefined) ?? null,
      });
      got.set(key, list);
      const send = (status: number, type: string, text: string, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extra });
        res.end(text);
      };
      if (route === 'redirect') return send(302, 'text/plain', '', { location: `/rec/${name}-target?from=302` });
      if (route === 'textjson') return send(200, 'text/plain', '{"a": 1, "list": [1, 2]}');
      if (route === 'plain') return send(200, 'text/plain', 'hello, not json');
      if (route === 'fail') return send(500, 'application/json', '{"err": "boom"}');
      send(200, 'application/json', JSON.stringify({ ok: name }));
    });
  });
  return { server, got };
}

/** The cases: a name and the http tool's fields (YAML lines under `tool:`), `URL` standing for the server. */
const CASES: Array<[string, string]> = [
  ['get_text_body', 'method: GET\nurl: URL/rec/get_text_body\nbody: plain text'],
  ['post_text', 'method: POST\nurl: URL/rec/post_text\nbody: plain text'],
  ['put_text', 'method: PUT\nurl: URL/rec/put_text\nbody: some words'],
  ['params_headers', "method: GET\nurl: URL/rec/params_headers\nparams: {a: '1', b: x y}\nheaders: {X-Probe: p1}"],
  ['redirect_get', 'method: GET\nurl: URL/redirect/redirect_get'],
  ['redirect_post', 'method: POST\nurl: URL/redirect/redirect_post\nbody: plain text'],
  ['text_json', 'method: GET\nurl: URL/textjson/text_json'],
  ['plain', 'method: GET\nurl: URL/plain/plain'],
  ['status_500', 'method: GET\nurl: URL/fail/status_500'],
  ['refused', 'method: GET\nurl: REFUSED/refused'],
];

const playbookOf = (name: string, fields: string, url: string, refused: string) =>
  [
    'apiVersion: noetl.io/v2',
    'kind: Playbook',
    'metadata:',
    `  name: http_${name}`,
    `  path: differential/http_${name}`,
    'workflow:',
    '  - step: start',
    '    tool:',
    '      kind: http',
    ...fields
      .replaceAll('URL', url)
      .replaceAll('REFUSED', refused)
      .split('\n')
      .map((l) => `      ${l}`),
    '',
  ].join('\n');

/** Runs every playbook through `noetl.run()` in one Python process; one JSON line per case. */
const RUNNER = `
import json, sys, noetl
for name, file in json.loads(sys.argv[1]):
    try:
        o = noetl.run(file)
        print(json.dumps({"name": name, "status": o.get("status"), "result": o.get("step_results", {}).get("start"), "error": o.get("error")}), flush=True)
    except Exception as e:
        print(json.dumps({"name": name, "raised": str(e).splitlines()[0]}), flush=True)
`;

function cliOutcome(line: Record<string, unknown>, received: Received[]): Outcome {
  if (line.raised !== undefined) {
    // The CLI puts its own "http dispatch failed: " before the tool's error.
    const message = String(line.raised).replace(/^http dispatch failed: /, '');
    const transport = /error sending request for url/.test(message);
    return { received, status: null, data: null, error: transport ? 'transport' : 'none', message };
  }
  const r = JSON.parse(String(line.result)) as { body: unknown; status: number };
  return {
    received,
    status: r.status,
    data: r.body,
    error: r.status >= 200 && r.status < 300 ? 'none' : 'http-status',
  };
}

/** The http result the sandbox's call.done carries (the tool's value, or the error's output). */
function sandboxOutcome(events: Row[], received: Received[]): Outcome {
  const done = events.find((e) => e.event_type === 'call.done' && e.node_name === 'start');
  const failed = events.find((e) => e.event_type === 'command.failed' && e.node_name === 'start');
  const inner = ((done?.result?.context as Record<string, unknown> | undefined)?.result ?? {}) as Record<
    string,
    unknown
  >;
  const value = ((inner.context as Record<string, unknown> | undefined)?.data ?? null) as Record<
    string,
    unknown
  > | null;
  const http = (value && 'status_code' in value ? value : (value?.data as Record<string, unknown> | undefined)) ?? null;
  if (!http) {
    const message = (failed?.result?.context as Record<string, unknown> | undefined)?.error;
    return {
      received,
      status: null,
      data: null,
      error: failed || done ? 'transport' : 'none',
      message: String(message),
    };
  }
  const status = Number(http.status_code);
  return { received, status, data: http.data, error: status >= 200 && status < 300 ? 'none' : 'http-status' };
}

let venv: Venv;
let sb: TestSandbox;
let rec: ReturnType<typeof recorder>;
let dir: string;
const cli = new Map<string, Outcome>();
const box = new Map<string, Outcome>();

beforeAll(async () => {
  venv = await rustCliVenv();
  sb = await sandbox({ dialect: 'rust' });
  rec = recorder();
  await new Promise<void>((r) => rec.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(rec.server.address() as AddressInfo).port}`;
  // A port with nothing listening: bound, then closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
  dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-http-diff-'));
  const files: Array<[string, string]> = [];
  for (const [name, fields] of CASES) {
    const text = playbookOf(name, fields, url, refused);
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    files.push([name, file]);
    await register(sb, Buffer.from(text).toString('base64'));
  }
  const { stdout } = await promisify(execFile)(venv.python, ['-c', RUNNER, JSON.stringify(files)], {
    timeout: 120_000,
  });
  const cliGot = new Map(rec.got);
  for (const l of stdout.trim().split('\n')) {
    const line = JSON.parse(l) as Record<string, unknown>;
    cli.set(String(line.name), cliOutcome(line, cliGot.get(String(line.name)) ?? []));
  }
  rec.got.clear();
  for (const [name] of CASES) {
    const { events } = await runToEnd(sb, `differential/http_${name}`);
    box.set(name, sandboxOutcome(events, rec.got.get(name) ?? []));
  }
}, 240_000);

afterAll(async () => {
  await sb?.close();
  await new Promise((r) => rec?.server.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`the rust dialect's http tool against noetl-tools' (PyPI noetl 5.x)`, () => {
  it('ran every case on the real tool', () => {
    expect([...cli.keys()].sort()).toEqual(CASES.map(([n]) => n).sort());
    // The real tool did reach the server (a case that sent nothing would compare two empty lists).
    expect(cli.get('post_text')?.received).toHaveLength(1);
    expect(cli.get('refused')?.error).toBe('transport');
  });

  for (const [name] of CASES)
    it(`${name}: the same request received, response seen and kind of error`, () => {
      expect(box.get(name)).toEqual(cli.get(name));
    });
});
