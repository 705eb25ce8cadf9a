// The real legacy NoETL (noetl==4.26.0 from PyPI) for a test file: started by its lifecycle, stopped in
// afterAll, its logs (NATS, server, workers) copied under test-results/real-engine/<name>/ when a test of
// the file failed. The venv is created once under the cache folder and reused (src/local-noetl/venv.ts).
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, onTestFailed } from 'vitest';
import { startLocalNoetl, type LocalNoetl, type LocalNoetlOptions } from '../../src/local-noetl/stack.js';
import { ROOT } from '../helpers/cli.js';

export interface RealEngine extends LocalNoetl {
  /** The system database (noetl.event). */
  pool: pg.Pool;
  /** The data database (the fixture's tables). */
  dataPool: pg.Pool;
  /** The flags that point the tool at this engine. */
  flags: string[];
}

/**
 * Starts the engine before the file's tests and stops it after them. Call `keepLogsOnFailure()` in each
 * test (vitest's onTestFailed is per test).
 */
export function useRealEngine(name: string, o: LocalNoetlOptions = {}) {
  let engine: RealEngine | undefined;
  let failed = false;
  beforeAll(async () => {
    const local = await startLocalNoetl({ ...o, log: () => {} });
    const pool = new pg.Pool({ connectionString: local.pgUrl, max: 3 });
    pool.on('error', () => {});
    const dataPool = new pg.Pool({ connectionString: local.dataPgUrl, max: 3 });
    dataPool.on('error', () => {});
    engine = Object.assign(local, {
      pool,
      dataPool,
      flags: [
        ...['--server-url', local.serverUrl, '--pg-url', local.pgUrl, '--details-url', local.detailsUrl],
        ...[local.server, ...local.workers].flatMap((p) => ['--log-file', p.logFile]),
      ],
    });
  }, 900_000); // the first start creates the venv (pip, a few minutes)
  afterAll(async () => {
    if (!engine) return;
    await engine.pool.end().catch(() => {});
    await engine.dataPool.end().catch(() => {});
    if (failed) {
      const to = path.join(ROOT, 'test-results', 'real-engine', name);
      mkdirSync(to, { recursive: true });
      cpSync(engine.dir, to, { recursive: true, filter: (src) => !src.includes(`${path.sep}nats${path.sep}`) });
    }
    await engine.stop();
  }, 60_000);
  return {
    get engine(): RealEngine {
      if (!engine) throw new Error('the real engine did not start');
      return engine;
    },
    keepLogsOnFailure: () => onTestFailed(() => void (failed = true)),
  };
}

export const ndjson = (dir: string): Array<Record<string, unknown>> =>
  readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

export const summaryOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
