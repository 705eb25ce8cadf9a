// Section 7: the observer effect on a real engine (issue #36 item 7). The legacy engine from PyPI
// (4.26.0, its own Postgres, NATS and two workers, as --target local starts it) runs the bundled pair while
// the tool watches it; the tool connects to the engine's Postgres as a role of its own, so
// pg_stat_statements (loaded into that Postgres for this section) separates the tool's statements from the
// engine's, and the server's own request counter (GET /metrics, noetl_request_total, which leaves /metrics
// out) against the tool's tally of its API calls gives its share of the server's requests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Lifecycle } from '../src/lifecycle.js';
import { startLocalNoetl } from '../src/local-noetl/stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROLE = 'loadrun_observer';

/** The server's count of the requests it answered (all but /metrics). */
async function serverRequests(serverUrl: string): Promise<number> {
  const text = await (await fetch(`${serverUrl.replace(/\/$/, '')}/metrics`)).text();
  const m = /^noetl_request_total (\d+)/m.exec(text);
  if (!m) throw new Error('the server’s /metrics has no noetl_request_total');
  return Number(m[1]);
}

function asRole(url: string, password: string, database?: string): string {
  const u = new URL(url);
  u.username = ROLE;
  u.password = password;
  if (database) u.pathname = `/${database}`;
  return u.toString();
}

function runTool(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(ROOT, 'bin', 'noetl-loadrun.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NOETL_LOADRUN_FROM_SOURCE: '1' },
      stdio: 'ignore',
    });
    c.on('close', (code) => resolve(code));
  });
}

/**
 * What one /status read costs the server, measured once the run is over and the engine idle: its CPU ticks
 * (/proc, USER_HZ 100) over three reads of each mode's execution, the median read of each, then their mean.
 */
/** The server process's CPU so far in ticks of 10 ms (utime + stime). */
function serverTicks(pid: number): number {
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

async function statusReadCpuMs(serverUrl: string, serverPid: number, ids: string[]): Promise<number | null> {
  const ticks = () => serverTicks(serverPid);
  const perId: number[] = [];
  for (const id of ids) {
    const each: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = ticks();
      await fetch(`${serverUrl}/api/executions/${id}/status`).then((r) => r.text());
      each.push((ticks() - t) * 10);
    }
    perId.push(each.sort((a, b) => a - b)[1]);
  }
  return perId.length ? perId.reduce((a, b) => a + b, 0) / perId.length : null;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : null);

/** The share at 16 KB, and again at 64 KB, where the engine works harder per item (not with --quick). */
export async function engineShare(quick: boolean, log: (s: string) => void) {
  const at16 = await engineShareAt(quick, log, 16);
  if (quick) return at16;
  return { ...at16, larger: await engineShareAt(false, log, 64).catch((err) => ({ error: String(err) })) };
}

async function engineShareAt(quick: boolean, log: (s: string) => void, kb: number) {
  // At 64 KB half the items: each costs the engine about 14 CPU-seconds (REAL-ENGINES.md, the sweep).
  const workload = quick
    ? ['--seed-rows', '8', '--payload-kb', '8', '--batch-size', '4', '--max-batches', '2']
    : kb > 16
      ? ['--seed-rows', '12', '--payload-kb', String(kb), '--batch-size', '4', '--max-batches', '3']
      : ['--seed-rows', '24', '--payload-kb', String(kb), '--batch-size', '8', '--max-batches', '3'];
  const stack = await startLocalNoetl({
    workers: 2,
    pgSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
    log,
  });
  const stopStack = new Lifecycle().add('the local engine', () => stack.stop()); // also on Ctrl-C
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-share-'));
  const admin = new pg.Pool({ connectionString: stack.pgUrl, max: 1 });
  try {
    const password = randomBytes(12).toString('hex');
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${password}'`);
    const dataDb = new URL(stack.dataPgUrl).pathname.slice(1);
    const logs = [stack.server, ...stack.workers].flatMap((p) => ['--log-file', p.logFile]);
    await admin.query('SELECT pg_stat_statements_reset()');
    const before = await serverRequests(stack.serverUrl);
    const ticks0 = serverTicks(stack.server.pid);
    const t0 = Date.now();
    const code = await runTool([
      ...['--server-url', stack.serverUrl, '--details-url', stack.detailsUrl, ...logs],
      ...['--pg-url', asRole(stack.pgUrl, password), '--data-pg-url', asRole(stack.pgUrl, password, dataDb)],
      ...workload,
      ...[
        '--stall-seconds',
        '180',
        '--timeout',
        kb > 16 ? '900' : '300',
        '--no-tui',
        '--report-dir',
        path.join(dir, 'r'),
      ],
    ]);
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    const serverCpuMs = (serverTicks(stack.server.pid) - ticks0) * 10;
    const requests = (await serverRequests(stack.serverUrl)) - before;
    const { rows } = await admin.query(
      `SELECT (r.rolname = $1) AS tool, sum(s.total_exec_time)::float8 AS ms, sum(s.calls)::int8 AS calls
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid GROUP BY 1`,
      [ROLE],
    );
    const top = await admin.query(
      `SELECT regexp_replace(left(s.query, 200), '\\s+', ' ', 'g') AS query, s.calls::int8 AS calls, s.total_exec_time::float8 AS ms
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1
         ORDER BY s.total_exec_time DESC LIMIT 5`,
      [ROLE],
    );
    const side = (tool: boolean) => rows.find((r) => r.tool === tool) ?? { ms: 0, calls: 0 };
    const [t, e] = [side(true), side(false)];
    const summary = JSON.parse(readFileSync(path.join(dir, 'r', 'summary.json'), 'utf8'));
    const apiCalls = Number(summary.observer?.api_calls ?? 0);
    const ids = summary.modes.map((m: { execution_id?: string }) => m.execution_id).filter(Boolean);
    const perRead = await statusReadCpuMs(stack.serverUrl, stack.server.pid, ids).catch(() => null);
    const reads = Number(summary.observer?.status_reads ?? 0);
    const out = {
      engine: `noetl ${stack.version}, 2 workers`,
      workload: workload.join(' '),
      exit: code,
      seconds,
      verdicts: summary.modes.map((m: { mode: string; verdict: string }) => `${m.mode} ${m.verdict}`),
      db: {
        toolMs: Math.round(Number(t.ms)),
        engineMs: Math.round(Number(e.ms)),
        toolStatements: Number(t.calls),
        engineStatements: Number(e.calls),
        toolSharePercent: pct(Number(t.ms), Number(t.ms) + Number(e.ms)),
        toolTop: top.rows.map((r) => ({
          query: String(r.query).slice(0, 90),
          calls: Number(r.calls),
          ms: Math.round(Number(r.ms)),
        })),
      },
      api: { toolCalls: apiCalls, serverRequests: requests, toolSharePercent: pct(apiCalls, requests) },
      // The poll plan's /status reads and their wall time: an upper bound on the server's time spent on them.
      status: {
        reads,
        ms: Number(summary.observer?.status_read_ms ?? 0),
        sharePercent: pct(Number(summary.observer?.status_read_ms ?? 0), seconds * 1000),
        // One read's server CPU measured idle after the run, and the server's CPU over the run (/proc ticks).
        cpuMsPerRead: perRead === null ? null : Math.round(perRead),
        serverCpuMs: Math.round(serverCpuMs),
      },
    };
    log(`  ${JSON.stringify(out)}`);
    return out;
  } finally {
    await admin.end().catch(() => {});
    await stopStack();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The row of the tool's /status reads' time (runs recorded before it was kept have none). */
const statusRow = (s: Record<string, any>): string[] =>
  s.status
    ? [
        `| wall time of the tool's /status reads | ${s.status.reads} reads, ${s.status.ms} ms | ${s.seconds} s of run | ${s.status.sharePercent}% | — | — |`,
        ...(s.status.cpuMsPerRead === null || s.status.cpuMsPerRead === undefined
          ? []
          : [
              `| one read of a mode's execution, once the run was over | ${s.status.cpuMsPerRead} ms of server CPU | ${s.status.serverCpuMs} ms of server CPU over the run | — | — | — |`,
            ]),
      ]
    : [];

/** BENCHMARKS.md section 7. */
export function engineShareMarkdown(s: Record<string, any> | undefined): string[] {
  if (!s) return [];
  const L = ['', '## 7. The observer on a real engine (issue #36)', ''];
  if (s.error) return [...L, `Not measured: ${s.error}`];
  const met = (p: number | null) => (p === null ? '—' : p <= 1 ? 'yes' : 'NO');
  L.push(
    `${s.engine} from PyPI, started as \`--target local\` starts it, with pg_stat_statements loaded into its Postgres; the tool (headless) watched the bundled pair, \`${s.workload}\`, both modes (${s.verdicts.join(', ')}; ${s.seconds} s). The tool connected to that Postgres as a role of its own, so the statistics separate its statements from the engine's (server and workers); the server's requests are its own counter (\`GET /metrics\` \`noetl_request_total\`, which leaves out /metrics) over the run, the tool's its own tally (summary.json \`observer.api_calls\`).`,
    '',
    '| figure | the tool | the engine / the server | the tool’s share | goal | met |',
    '|---|---|---|---|---|---|',
    `| database execution time | ${s.db.toolMs} ms in ${s.db.toolStatements} statements | ${s.db.engineMs} ms in ${s.db.engineStatements} statements | **${s.db.toolSharePercent}%** | at most 1% | ${met(s.db.toolSharePercent)} |`,
    `| API requests to the server | ${s.api.toolCalls} | ${s.api.serverRequests} in all | **${s.api.toolSharePercent}%** | at most 1% | ${met(s.api.toolSharePercent)} |`,
    ...statusRow(s),
    '',
    `Per second of the run the tool sent ${r1(s.api.toolCalls / s.seconds)} requests and ${r1(s.db.toolStatements / s.seconds)} statements; the server answered ${r1(s.api.serverRequests / s.seconds)} requests in all (beside the tool's, only the engine's own processes call it: 4.26.0's workers learn of each command from NATS, then claim it and report on it over the API) and the engine ran ${r1(s.db.engineStatements / s.seconds)} statements. The tool's requests are the launch's own calls (health, catalog, credential, execute), a mode's /status when its events stood still for a round and otherwise every 15 s, and a child's /status once it has been quiet for 3 s (src/run/poll-plan.ts; its events come by SQL); its statements are the event feed's page and its late-commit count, and the row counts of each mode, once per round each, the rounds backing off while nothing moves. A request is not a unit of cost: 4.26.0's server redacts an execution's variables for every /status answer, and one read of a finished 2-item 64 KB loop took it 2.9 CPU-seconds; so a read that took L ms (100 ms or more) is not repeated for that execution within 99·L ms, and none is retried (src/run/poll-plan.ts). The last two rows: the wall time of the tool's /status reads against the run's (it counts waiting behind the engine's own requests too, so it bounds their cost from above), and what one read of a mode's execution cost the server in CPU ticks once the run was over (the mean of the two modes, each the median of three reads), beside the server's CPU over the run. A read made early in the run, or of a chunk worker, answers smaller variables and costs less, so the reads times that figure is no estimate of their total. Before the poll plan (2026-12-06, the same workload) the tool read each mode's /status every round: 49 requests, 13.4% of the server's; the database share was 4.9%: it is the feed's two statements per round, which the plan does not thin, and it rose once status reads were budgeted (2026-12-07), since rounds no longer wait on a slow status read and so come more often.`,
    '',
    "The tool's statements that took the most time:",
    '',
    '| statement (its start) | calls | ms |',
    '|---|---|---|',
    ...(s.db.toolTop ?? []).map((q: any) => `| \`${q.query.replace(/\|/g, '\\|')}…\` | ${q.calls} | ${q.ms} |`),
  );
  const b = s.larger;
  if (b?.db)
    L.push(
      '',
      `The same at \`${b.workload}\` (${b.verdicts.join(', ')}; ${b.seconds} s): the tool's database time ${b.db.toolMs} ms against the engine's ${b.db.engineMs} ms, **${b.db.toolSharePercent}%** (goal at most 1%: ${met(b.db.toolSharePercent)}); its requests ${b.api.toolCalls} of the server's ${b.api.serverRequests}, **${b.api.toolSharePercent}%** (${met(b.api.toolSharePercent)})${b.status ? `; its ${b.status.reads} /status reads took ${b.status.ms} ms of wall time, ${b.status.sharePercent}% of the run's${b.status.cpuMsPerRead != null ? ` (one read of a mode's execution after the run: ${b.status.cpuMsPerRead} ms of server CPU; the server's over the run: ${b.status.serverCpuMs} ms)` : ''}` : ''}. The share grows with the payload: the engine's workers spend each item's time in CPU (its redaction regex), so it sends fewer requests and statements per second, while the tool's cost is per second of watching (a status read in each quiet round, backing off to 5 s; its feed every round), not per item.`,
    );
  else if (b?.error) L.push('', `The same at 64 KB: not measured (${b.error}).`);
  return L;
}
