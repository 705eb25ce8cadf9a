// The sandbox's own speed (issue 17, goal 4), kept honest without timing anything: its throw-away Postgres
// gets the result store and allocator settings, a --pg-url database does not, and the echo endpoint answers
// from its own thread as it did from the server's.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { POSTGRES_MALLOC } from '../src/sandbox/embedded-pg.js';
import { startEchoThread } from '../src/sandbox/echo.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';

const storage = async (pool: pg.Pool) =>
  (
    await pool.query(
      `SELECT c.relpersistence AS persistence, a.attstorage AS storage FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'data' WHERE n.nspname = 'noetl' AND c.relname = 'result_store'`,
    )
  ).rows[0];

describe('the sandbox Postgres settings', () => {
  let own: TestSandbox;
  beforeAll(async () => {
    own = await sandbox();
  }, 120_000);
  afterAll(async () => {
    await own?.close();
  });

  it('keeps its own result store unlogged and uncompressed, and starts its Postgres with the allocator settings', async () => {
    expect(await storage(own.pool)).toEqual({ persistence: 'u', storage: 'e' });
    const postmaster = own.processes.find((p) => p.role === 'postgres')!.pid;
    const environ = readFileSync(`/proc/${postmaster}/environ`, 'utf8').split('\0');
    for (const [k, v] of Object.entries(POSTGRES_MALLOC)) expect(environ).toContain(`${k}=${v}`);
    // Only Postgres: the sandbox's own environment (its python workers inherit it) does not keep them.
    const server = readFileSync(`/proc/${own.pid}/environ`, 'utf8');
    if (process.env.MALLOC_MMAP_THRESHOLD_ === undefined) expect(server).not.toContain('MALLOC_MMAP_THRESHOLD_=');
  });

  it("runs its Postgres as it comes with NOETL_LOADRUN_SANDBOX_PG_TUNING=off (the bench's peer)", async () => {
    process.env.NOETL_LOADRUN_SANDBOX_PG_TUNING = 'off';
    let plain: TestSandbox | undefined;
    try {
      plain = await sandbox();
    } finally {
      delete process.env.NOETL_LOADRUN_SANDBOX_PG_TUNING;
    }
    try {
      expect(await storage(plain.pool)).toEqual({ persistence: 'p', storage: 'x' });
      const postmaster = plain.processes.find((p) => p.role === 'postgres')!.pid;
      if (process.env.MALLOC_MMAP_THRESHOLD_ === undefined)
        expect(readFileSync(`/proc/${postmaster}/environ`, 'utf8')).not.toContain('MALLOC_MMAP_THRESHOLD_=');
    } finally {
      await plain.close();
    }
  }, 120_000);

  it('leaves the tables of a --pg-url database as a system database has them', async () => {
    await own.pool.query('DROP DATABASE IF EXISTS tuning_other');
    await own.pool.query('CREATE DATABASE tuning_other');
    const other = new URL(own.pgUrl);
    other.pathname = '/tuning_other';
    const guest = await sandbox({ pgUrl: other.toString() });
    const pool = new pg.Pool({ connectionString: other.toString(), max: 1 });
    try {
      expect(await storage(pool)).toEqual({ persistence: 'p', storage: 'x' });
    } finally {
      await pool.end();
      await guest.close();
    }
  }, 120_000);
});

describe('the echo endpoint on its own thread', () => {
  it('echoes a body as httpbin does, mirrors its counts and stops on close', async () => {
    const echo = await startEchoThread('127.0.0.1', 0);
    let closed = false;
    try {
      const body = JSON.stringify({ item_id: 7, blob: 'é'.repeat(100_000) });
      const res = await fetch(`${echo.url}/heavy-item-detail?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as {
        data: string;
        json: unknown;
        args: Record<string, string>;
        method: string;
      };
      expect(res.status).toBe(200);
      expect(answer).toMatchObject({ data: body, json: JSON.parse(body), args: { x: '1' }, method: 'POST' });
      for (let i = 0; i < 50 && echo.stats.requests < 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(echo.stats).toEqual({ requests: 1, injectedErrors: 0 });
      await echo.close();
      closed = true;
      await expect(fetch(`${echo.url}/x`)).rejects.toThrow();
    } finally {
      if (!closed) await echo.close();
    }
  });
});
