// The tool against the real legacy NoETL (noetl==4.26.0 from PyPI, its own NATS and Postgres): the bundled
// pair, both modes side by side, checked as a user would: every row stored in the data database, every
// event of every execution of the run in events.ndjson once, both verdicts COMPLETED, the diff empty, the
// summarize result shown, iterations counted on the engine's own node names (`<step>:task_sequence`).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ndjson, summaryOf, useRealEngine } from './harness.js';

// Small: the legacy engine takes seconds per item on 2 cores (each task sequence 6-9 s at 64 KB here).
const SMALL = ['--seed-rows', '12', '--payload-kb', '8', '--batch-size', '4', '--max-batches', '3'];
const PATIENT = ['--stall-seconds', '180', '--timeout', '120'];

/**
 * Whether an execution of the run has every event in noetl.event and still no terminal event: the legacy
 * engine (4.26.0) now and then leaves the chunked parent so, all its steps done (reproduced here in about 1
 * run of 7, with every event of noetl.event in events.ndjson: the tool rightly keeps waiting).
 */
async function parentLeftOpen(
  e: { pool: { query: (q: string, p: unknown[]) => Promise<{ rows: unknown[] }> } },
  dir: string,
) {
  const launched = ndjson(dir)
    .filter((x) => x.kind === 'launch')
    .map((x) => String(x.execution_id));
  const { rows } = await e.pool.query(
    `SELECT execution_id::text FROM unnest($1::bigint[]) AS x(execution_id) WHERE NOT EXISTS (SELECT 1 FROM noetl.event
       WHERE noetl.event.execution_id = x.execution_id AND event_type IN ('playbook.completed', 'workflow.completed', 'playbook.failed', 'workflow.failed'))`,
    [launched],
  );
  return rows.length > 0;
}
const dirOf = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-real-engine-')), 'r');

/** The event ids events.ndjson holds, in the order written. */
const eventIds = (dir: string) =>
  ndjson(dir)
    .filter((x) => x.kind === 'event')
    .map((x) => String(x.event_id));

describe('the bundled pair on the real Python engine', () => {
  const real = useRealEngine('smoke', { workers: 2 });

  it(
    'stores every row, reads every event once, and ends both modes COMPLETED with nothing missing',
    { timeout: 420_000 },
    async () => {
      real.keepLogsOnFailure();
      const e = real.engine;
      const run = async () => {
        const dir = dirOf();
        return {
          dir,
          r: await runCli([...e.flags, ...SMALL, ...PATIENT, '--no-tui', '--report-dir', dir], { timeoutMs: 200_000 }),
        };
      };
      let { dir, r } = await run();
      if (r.code !== 0 && (await parentLeftOpen(e, dir))) {
        // The engine's own stall, not the tool's: said in the output, and run once more.
        process.stdout.write(
          'real-engine smoke: the engine left an execution without a terminal event; running again\n',
        );
        ({ dir, r } = await run());
      }
      if (r.code !== 0 && (await parentLeftOpen(e, dir))) {
        // The engine stalled again (it did twice in a row on one engine here): what the tool controls still
        // holds: every row counted, the open parent TIMEOUT (never COMPLETED), no event twice.
        const stalled = summaryOf(dir);
        expect(stalled.modes.map((m: { stored_rows: number }) => m.stored_rows)).toEqual([12, 12]);
        expect(stalled.modes.find((m: { mode: string }) => m.mode === 'chunked_optimal').verdict).toBe('timeout');
        const ids = eventIds(dir);
        expect(new Set(ids).size).toBe(ids.length);
        process.stdout.write(
          'real-engine smoke: the engine left the chunked parent open twice; checked what the tool controls\n',
        );
        return;
      }
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
      const s = summaryOf(dir);
      expect(s.target.dialect).toMatch(/^python/);
      expect(s.modes.map((m: { mode: string; verdict: string }) => [m.mode, m.verdict])).toEqual([
        ['direct_stress', 'completed'],
        ['chunked_optimal', 'completed'],
      ]);
      for (const m of s.modes) {
        expect(m.stored_rows).toBe(12);
        expect(m.missing.count).toBe(0);
        // the engine's own iteration commands (run_direct_stress:task_sequence, process_batch_pipeline:...)
        expect(m.iterations_done, `${m.mode}: ${JSON.stringify(m.per_step)}`).toBe(12);
        const rows = await e.pool.query(
          "SELECT event_type, result FROM noetl.event WHERE execution_id = $1::bigint AND node_name = 'summarize'",
          [m.execution_id],
        );
        expect(m.summarize, JSON.stringify(rows.rows)).toMatchObject({
          status: 'completed',
          counts: { stored_rows: 12, missing_rows: 0 },
        });
      }
      // This run's rows only: after a run the engine left open, the table holds that run's rows too.
      const parents = s.modes.map((m: { execution_id: string }) => m.execution_id);
      const { rows } = await e.dataPool.query(
        'SELECT execution_id, count(*)::int AS n FROM public.heavy_payload_results WHERE execution_id = ANY($1::text[]) GROUP BY 1',
        [parents],
      );
      expect(rows.map((x) => x.n)).toEqual([12, 12]);
      // events.ndjson against noetl.event, for the parents and every child of the run.
      const all = await e.pool.query(
        `SELECT event_id::text AS id FROM noetl.event WHERE execution_id = ANY($1::bigint[])
         OR execution_id IN (SELECT execution_id FROM noetl.event WHERE parent_execution_id = ANY($1::bigint[]))`,
        [parents],
      );
      const seen = eventIds(dir);
      expect(new Set(seen).size).toBe(seen.length);
      // An event of noetl.event missing from events.ndjson is shown with its type, node and time, beside the
      // executions' terminal events, and the tool must have counted it as unread at the end. (Twice here a
      // chunk worker's batch.completed, committed after its playbook.completed later than the trailing
      // window, was missed; the feed's last count now reads such an event.)
      const have = new Set(seen);
      const lost = all.rows.map((x) => x.id).filter((id) => !have.has(id));
      const detail = lost.length
        ? JSON.stringify(
            (
              await e.pool.query(
                `SELECT event_id::text, execution_id::text, event_type, node_name, created_at FROM noetl.event
                 WHERE event_id = ANY($1::bigint[]) OR (event_type IN ('playbook.completed', 'workflow.completed')
                   AND (execution_id = ANY($2::bigint[]) OR parent_execution_id = ANY($2::bigint[])))`,
                [lost, parents],
              )
            ).rows,
          )
        : '';
      expect(s.observer.feed.unread_at_end, detail).toBe(lost.length);
      expect([...seen].sort(), detail).toEqual(all.rows.map((x) => x.id).sort());
      expect(r.stdout).toMatch(
        /Missing items:\n  direct_stress: 0 missing of 12: none\n  chunked_optimal: 0 missing of 12: none/,
      );
    },
  );
});
