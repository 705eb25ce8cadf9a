// The sandbox's python dialect against the real legacy engine (noetl==4.26.0 from PyPI, as --target local
// starts it) over noetl/e2e's hermetic fixtures (issue #38 item 8): every playbook that needs only the
// python, playbook and postgres tools, postgres through the pg_k8s credential, and no host but loopback.
// Each fixture is registered and executed unchanged on both; how it ended (its terminal event, or none
// within the time limit, or the refusal at register or execute), which nodes wrote command.failed, and the
// event types per node are compared. The rows go to bench/results/e2e-corpus.json and the table between
// the markers of CONFORMANCE.md. Not part of CI: the upstream files are not ours to commit. Run by hand:
//   git clone https://github.com/noetl/e2e && npx tsx scripts/e2e-corpus.ts e2e
//   npx tsx scripts/e2e-corpus.ts --write-only      # CONFORMANCE.md again from the saved rows
// FIXTURE=<substring> runs only the matching fixtures and prints their rows (nothing saved); DIALECT_ONLY=1
// runs the dialect alone against the saved pass's engine rows (nothing saved); TIMEOUT_S bounds each run (default 40), after which
// it is cancelled; LANES runs that many at once (default 1: side by side they slow each other down on a
// small machine, and a run that never ends holds the workers the next one needs).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse } from 'yaml';
import { Lifecycle } from '../src/lifecycle.js';
import { startLocalNoetl } from '../src/local-noetl/stack.js';
import { startSandbox } from '../src/sandbox/supervisor.js';
import { apiCall } from './api-call.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results', 'e2e-corpus.json');
const DOC = path.join(ROOT, 'CONFORMANCE.md');
const START = '<!-- e2e corpus: scripts/e2e-corpus.ts writes below -->';
const END = '<!-- end of e2e corpus -->';
const TOOLS = new Set(['python', 'playbook', 'postgres', 'http', 'noop']);
const timeoutMs = Number(process.env.TIMEOUT_S ?? 40) * 1000;

interface Ending {
  /** completed, failed, none (no terminal event in time), or `register 4xx` / `execute 4xx`. */
  end: string;
  failedNodes: string[];
  types: Record<string, string[]>;
  error?: string;
}
interface Row {
  fixture: string;
  engine: Ending;
  dialect: Ending;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

/** The credential names a playbook's postgres steps use, its `{{ var }}` auths read from its workload. */
function authsOf(text: string, workload: Record<string, unknown>): string[] {
  return [...text.matchAll(/^\s*auth:\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)].map((m) => {
    const v = /^\{\{\s*(\w+)\s*\}\}$/.exec(m[1].trim());
    return v ? String(workload[v[1]] ?? v[1]) : m[1].trim();
  });
}

/** noetl/e2e's hermetic playbooks, by the rules above. */
function hermetic(e2eDir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const f of files(path.join(e2eDir, 'fixtures', 'playbooks')).sort()) {
    const text = readFileSync(f, 'utf8');
    let doc: Record<string, any>;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    if (doc?.kind !== 'Playbook' || doc.keychain) continue;
    const kinds = [...text.matchAll(/\bkind:\s*([A-Za-z_]+)/g)].map((m) => m[1]).filter((k) => k !== 'Playbook');
    const hosts = [...text.matchAll(/https?:\/\/([^/\s'"{}:]+)/g)].map((m) => m[1]);
    const auths = authsOf(text, doc.workload ?? {});
    if (!kinds.every((k) => TOOLS.has(k))) continue;
    if (!hosts.every((h) => h === 'localhost' || h === '127.0.0.1')) continue;
    if (!auths.every((a) => a === 'pg_k8s')) continue;
    out.push({ file: path.relative(e2eDir, f), text });
  }
  return out;
}

async function endingOf(pool: pg.Pool, id: string): Promise<Ending> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT event_type, coalesce(node_name, '') AS node, coalesce(error, '') AS error FROM noetl.event WHERE execution_id = $1::bigint ORDER BY event_id`,
      [id],
    );
    const terminal = rows.find((x) => /^playbook[._](completed|failed)$/.test(x.event_type));
    if (terminal || Date.now() > until) {
      const types: Record<string, Set<string>> = {};
      for (const x of rows) (types[x.node] ??= new Set()).add(x.event_type);
      return {
        end: terminal ? (terminal.event_type.endsWith('completed') ? 'completed' : 'failed') : 'none',
        failedNodes: [...new Set(rows.filter((x) => x.event_type === 'command.failed').map((x) => x.node))].sort(),
        types: Object.fromEntries(Object.entries(types).map(([k, v]) => [k, [...v].sort()])),
        error: firstLine(rows.find((x) => x.event_type === 'command.failed' && x.error)?.error),
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Registers every fixture, then runs each of `only` (LANES at a time, default 1) and reads how it ended. */
async function runAll(base: string, pool: pg.Pool, corpus: Array<{ file: string; text: string }>, only: Set<string>) {
  const out: Record<string, Ending> = {};
  const paths: Record<string, string> = {};
  for (const c of corpus) {
    const reg = await apiCall(base, 'POST', '/api/catalog/register', {
      content: Buffer.from(c.text).toString('base64'),
      resource_type: 'Playbook',
    });
    if (reg.status !== 200) out[c.file] = refused('register', reg);
    else paths[c.file] = String(reg.json.path);
  }
  for (const f of Object.keys(out)) if (!only.has(f)) delete out[f];
  const queue = corpus.filter((c) => paths[c.file] && only.has(c.file));
  const lane = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const ex = await apiCall(base, 'POST', '/api/execute', { path: paths[c.file], payload: {} });
      if (ex.status !== 200) out[c.file] = refused('execute', ex);
      else {
        const id = String(ex.json.execution_id);
        out[c.file] = await endingOf(pool, id);
        // One that did not end is cancelled, so it does not hold the workers the next fixture needs.
        if (out[c.file].end === 'none') await apiCall(base, 'POST', `/api/executions/${id}/cancel`, {}).catch(() => {});
      }
      process.stdout.write(`  ${c.file}: ${out[c.file].end}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(process.env.LANES ?? 1) }, lane));
  return out;
}

function refused(at: string, r: { status: number; json: any }): Ending {
  const detail = JSON.stringify(r.json?.detail ?? r.json).slice(0, 120);
  return { end: `${at} ${r.status}`, failedNodes: [], types: {}, error: detail };
}

/** An error's first line that says something, shortened. */
function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((l) => /\w/.test(l) && !/^Traceback/.test(l));
  return line?.trim().slice(0, 140);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** What differs between the two endings, in words; empty when alike. */
function differences(r: Row): string[] {
  const d: string[] = [];
  if (r.engine.end !== r.dialect.end) {
    d.push(`ends ${r.engine.end} on the engine, ${r.dialect.end} on the dialect`);
    if (r.engine.error) d.push(`engine: ${r.engine.error}`);
    if (r.dialect.error) d.push(`dialect: ${r.dialect.error}`);
  }
  if (!same(r.engine.failedNodes, r.dialect.failedNodes))
    d.push(`command.failed on [${r.engine.failedNodes}] vs [${r.dialect.failedNodes}]`);
  const nodes = [...new Set([...Object.keys(r.engine.types), ...Object.keys(r.dialect.types)])].sort();
  const typeDiff = nodes.filter((n) => !same(r.engine.types[n] ?? [], r.dialect.types[n] ?? []));
  if (typeDiff.length) d.push(`event types differ on ${typeDiff.length} node(s): ${typeDiff.slice(0, 3).join(', ')}`);
  return d;
}

function table(rows: Row[], meta: Record<string, string>): string {
  const alike = rows.filter((r) => r.engine.end === r.dialect.end).length;
  const L = [
    START,
    '',
    `${meta.date}: ${rows.length} hermetic fixtures of noetl/e2e @${meta.commit} on ${meta.engine} (two workers) and on the sandbox's python dialect, each run unchanged, one at a time, at most ${meta.timeout} s each${meta.cancelsUnended ? ' (then cancelled)' : ''}. **${alike} of ${rows.length} end alike (${Math.round((alike / Math.max(1, rows.length)) * 100)}%).** "none" is no terminal event within the limit.`,
    '',
    '| fixture | engine | dialect | alike | what differs |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const d = differences(r);
      return `| ${r.fixture} | ${r.engine.end} | ${r.dialect.end} | ${r.engine.end === r.dialect.end ? 'yes' : '**no**'} | ${d.join('; ').replace(/\|/g, '\\|') || '—'} |`;
    }),
    '',
    END,
  ];
  return L.join('\n');
}

function writeDoc(saved: { meta: Record<string, string>; rows: Row[] }): void {
  const doc = readFileSync(DOC, 'utf8');
  const block = table(saved.rows, saved.meta);
  const next = doc.includes(START)
    ? doc.slice(0, doc.indexOf(START)) + block + doc.slice(doc.indexOf(END) + END.length)
    : `${doc.trimEnd()}\n\n## The python dialect against noetl 4.26.0 over noetl/e2e's hermetic fixtures\n\n${block}\n`;
  writeFileSync(DOC, next);
}

async function onRealEngine(life: Lifecycle, all: Array<{ file: string; text: string }>, only: Set<string>) {
  const engine = await startLocalNoetl({ workers: 2, log: (s) => console.log(s) });
  const stopEngine = life.add('the local engine', () => engine.stop());
  const ePool = new pg.Pool({ connectionString: engine.pgUrl, max: 3 });
  try {
    console.log(`on noetl ${engine.version}`);
    return { version: `noetl ${engine.version}`, rows: await runAll(engine.serverUrl, ePool, all, only) };
  } finally {
    await ePool.end();
    await stopEngine();
  }
}

/** DIALECT_ONLY: the engine's side from the saved pass, to try a change to the dialect (nothing is saved). */
function savedEngineRows(): { version: string; rows: Record<string, Ending> } {
  const saved = JSON.parse(readFileSync(RESULTS, 'utf8')) as { meta: Record<string, string>; rows: Row[] };
  return { version: saved.meta.engine, rows: Object.fromEntries(saved.rows.map((r) => [r.fixture, r.engine])) };
}

async function main() {
  if (process.argv.includes('--write-only')) return writeDoc(JSON.parse(readFileSync(RESULTS, 'utf8')));
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx scripts/e2e-corpus.ts E2E_DIR (a checkout of noetl/e2e) | --write-only');
    process.exit(2);
  }
  // Every fixture is registered (a playbook tool finds the others by path); FIXTURE picks the ones run.
  const all = hermetic(dir);
  const corpus = all.filter((c) => c.file.includes(process.env.FIXTURE ?? ''));
  const only = new Set(corpus.map((c) => c.file));
  console.log(`${corpus.length} of ${all.length} hermetic fixtures`);
  const life = new Lifecycle(); // Ctrl-C or a kill stops the engine and the sandbox too
  const onEngine = process.env.DIALECT_ONLY ? savedEngineRows() : await onRealEngine(life, all, only);
  const sb = await startSandbox({ dialect: 'python', readyTimeoutMs: 60_000 });
  const stopSandbox = life.add('the sandbox', () => sb.stop());
  const sPool = new pg.Pool({ connectionString: sb.pgUrl, max: 3 });
  let onDialect: Record<string, Ending>;
  try {
    console.log('on the python dialect');
    onDialect = await runAll(sb.apiUrl, sPool, all, only);
  } finally {
    await sPool.end();
    await stopSandbox();
  }
  const rows = corpus.map((c) => ({ fixture: c.file, engine: onEngine.rows[c.file], dialect: onDialect[c.file] }));
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    commit: process.env.E2E_COMMIT ?? 'unknown',
    engine: onEngine.version,
    timeout: String(timeoutMs / 1000),
    cancelsUnended: 'yes', // runs saved before this key existed did not cancel
  };
  if (process.env.FIXTURE || process.env.DIALECT_ONLY) {
    // A look at some fixtures: printed, the saved table left as it is.
    for (const r of rows)
      console.log(`${r.fixture}: ${r.engine.end} | ${r.dialect.end} | ${differences(r).join('; ')}`);
    console.log(`${rows.filter((r) => r.engine.end === r.dialect.end).length} of ${rows.length} end alike`);
    return;
  }
  writeFileSync(RESULTS, JSON.stringify({ meta, rows }, null, 2) + '\n');
  writeDoc({ meta, rows });
  const alike = rows.filter((r) => r.engine.end === r.dialect.end).length;
  console.log(`${alike} of ${rows.length} end alike`);
}

await main();
