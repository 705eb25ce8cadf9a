// Runs noetl/e2e's `core` fixtures (the list in its scripts/rust_regression_run.sh) unchanged on the
// sandbox's rust dialect, as that script runs them on a Rust server: register, execute, poll until a
// terminal status, COMPLETED expected. Prints one line per fixture (status and the first error) and the
// count. Not part of CI: the upstream files are not ours to commit. Get them with, for example:
//   git clone https://github.com/noetl/e2e && npx tsx scripts/e2e-core.ts e2e
// FIXTURE=<substring> runs only the fixtures whose path contains it; TIMEOUT_S bounds each (default 30).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startSandbox } from '../src/sandbox/supervisor.js';
import { apiCall } from './api-call.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/e2e-core.ts E2E_DIR (a checkout of noetl/e2e)');
  process.exit(2);
}
const script = readFileSync(path.join(dir, 'scripts/rust_regression_run.sh'), 'utf8');
const core = script.slice(script.indexOf('CORE_FIXTURES=('), script.indexOf(')', script.indexOf('CORE_FIXTURES=(')));
const fixtures = [...core.matchAll(/"(fixtures\/[^"]+\.ya?ml)"/g)]
  .map((m) => m[1])
  .filter((f) => f.includes(process.env.FIXTURE ?? ''));
const timeoutMs = Number(process.env.TIMEOUT_S ?? 30) * 1000;

const sb = await startSandbox({ dialect: 'rust', readyTimeoutMs: 60_000 });
const pool = new pg.Pool({ connectionString: sb.pgUrl, max: 2 });
let completed = 0;
try {
  for (const f of fixtures) {
    const content = readFileSync(path.join(dir, f), 'utf8');
    const reg = await apiCall(sb.apiUrl, 'POST', '/api/catalog/register', { content });
    if (reg.status !== 200) {
      console.log(`REGISTER ${reg.status}  ${f}: ${JSON.stringify(reg.json).slice(0, 160)}`);
      continue;
    }
    const ex = await apiCall(sb.apiUrl, 'POST', '/api/execute', { path: reg.json.path, payload: {} });
    if (ex.status !== 200) {
      console.log(`EXECUTE ${ex.status}  ${f}: ${JSON.stringify(ex.json).slice(0, 160)}`);
      continue;
    }
    const id = String(ex.json.execution_id);
    let status = 'RUNNING';
    for (const until = Date.now() + timeoutMs; Date.now() < until;) {
      status = String((await apiCall(sb.apiUrl, 'GET', `/api/executions/${id}/status`)).json.status);
      if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(status)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 300)); // the last rows are written after the status changes
    const err = await pool.query(
      `SELECT node_name, coalesce(error, result->'context'->'result'->>'error', result->'context'->>'error', result::text) AS e
       FROM noetl.event WHERE execution_id = $1
        AND (event_type IN ('call.error', 'command.failed', 'step_failed') OR status = 'FAILED' OR (event_type = 'call.done' AND result->'context'->'result'->>'status' = 'error'))
       ORDER BY event_id LIMIT 1`,
      [id],
    );
    if (status === 'COMPLETED') completed++;
    const why = err.rows[0] ? `${err.rows[0].node_name}: ${String(err.rows[0].e).slice(0, 140)}` : '';
    console.log(`${status.padEnd(9)} ${f}${why ? `  — ${why}` : ''}`);
  }
  console.log(`\n${completed} of ${fixtures.length} core fixtures COMPLETED on the sandbox's rust dialect`);
} finally {
  await pool.end();
  await sb.stop();
}
