// Test helpers: a real sandbox process, HTTP calls to it, and its Postgres.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/supervisor.js';
import { BUNDLED, bundledFile } from '../../src/paths.js';
import { parseJson } from '../../src/json.js';

export interface TestSandbox extends RunningSandbox {
  /** The system database (noetl.event). */
  pool: pg.Pool;
  /** The data database (the fixture's tables, behind the pg_k8s credential). */
  dataPool: pg.Pool;
  logs: string[];
  close(): Promise<void>;
}

export async function sandbox(o: SandboxOptions = {}): Promise<TestSandbox> {
  const logs: string[] = [];
  const sb = await startSandbox({ ...o, onLog: (_l, m) => logs.push(m) });
  const pool = new pg.Pool({ connectionString: sb.pgUrl, max: 3 });
  pool.on('error', () => {});
  const dataPool = new pg.Pool({ connectionString: sb.dataPgUrl, max: 3 });
  dataPool.on('error', () => {});
  return {
    ...sb,
    pool,
    dataPool,
    logs,
    async close() {
      await pool.end().catch(() => {});
      await dataPool.end().catch(() => {});
      await sb.stop();
    },
  };
}

export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(base + path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json: any;
  try {
    json = parseJson(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') ?? '' };
}

export async function registerBundled(base: string): Promise<void> {
  for (const f of [BUNDLED.workerFile, BUNDLED.parentFile]) {
    const r = await api(base, 'POST', '/api/catalog/register', {
      content: Buffer.from(readFileSync(bundledFile(f), 'utf8')).toString('base64'),
      resource_type: 'Playbook',
    });
    if (r.status !== 200) throw new Error(`register ${f}: ${r.status} ${r.text}`);
  }
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const SMOKE = {
  execution_mode: 'chunked_optimal',
  seed_rows: 120,
  batch_size: 30,
  max_batches: 4,
  payload_kb_per_item: 220,
};
export const STRESS = { execution_mode: 'direct_stress', seed_rows: 220, payload_kb_per_item: 256 };
