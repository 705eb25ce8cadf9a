// `npm run bench`: the tool's own cost and speed next to its peers, each figure a ratio measured in one
// run on this machine. Writes bench/results/latest.json and BENCHMARKS.md. Never fails the build.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import { NoetlClient } from '../src/noetl/client.js';
import { BUNDLED, bundledFile } from '../src/paths.js';
import { startSandbox, nodeArgsFor, type RunningSandbox } from '../src/sandbox/supervisor.js';
import { RowsSource } from '../src/sources/rows.js';
import { btopCost } from './peers.js';
import { DirectSql } from '../src/sources/sql-runner.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quick = process.argv.includes('--quick');
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick };
const log = (s: string) => process.stdout.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r2 = (n: number) => Math.round(n * 100) / 100;

// ---- 1. render cost -------------------------------------------------------------------------------
async function renderCost() {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    return { skipped: 'tmux is not installed' };
  }
  const seconds = quick ? 4 : 10;
  const rows: Array<Record<string, unknown>> = [];
  for (const rate of [1000, 5000, 20000]) {
    for (const mode of ['app', 'naive-app', 'naive']) rows.push(await renderSample(mode, rate, seconds));
  }
  const still = await renderSample('static', 0, seconds);
  const btop = await btopCost(seconds);
  if ('cpuPercent' in btop) log(`  btop (update_ms 100): cpu ${btop.cpuPercent}%`);
  else log(`  btop: ${btop.skipped}`);
  type Sample = { cpuPercent: number; rssMB: number; achievedRate: number };
  const ratios = [1000, 5000, 20000].map((rate) => {
    const get = (mode: string) => rows.find((x) => x.mode === mode && x.rate === rate) as Sample | undefined;
    const a = get('app');
    const na = get('naive-app');
    const n = get('naive');
    return {
      rate,
      appCpu: a?.cpuPercent, naiveAppCpu: na?.cpuPercent, naiveCpu: n?.cpuPercent,
      cpuRatioSameScreen: a && na ? r2(a.cpuPercent / na.cpuPercent) : null,
      cpuRatioSmallNaive: a && n ? r2(a.cpuPercent / n.cpuPercent) : null,
      appRss: a?.rssMB, naiveAppRss: na?.rssMB, naiveRss: n?.rssMB,
      appAchieved: a?.achievedRate, naiveAppAchieved: na?.achievedRate,
    };
  });
  const ingest = [];
  for (const mode of ['store', 'array']) {
    const { stdout } = await execFileP(process.execPath, ['--expose-gc', ...nodeArgsFor(new URL('./ingest.ts', import.meta.url)), mode, quick ? '200000' : '1000000'], { cwd: ROOT, maxBuffer: 1 << 20 });
    ingest.push(JSON.parse(stdout.trim()));
    log(`  ingest ${mode}: ${JSON.stringify(ingest[ingest.length - 1])}`);
  }
  const app5000 = rows.find((x) => x.mode === 'app' && x.rate === 5000) as { cpuPercent: number } | undefined;
  const peers = {
    btop,
    static: still,
    app5000OverBtop: 'cpuPercent' in btop && app5000 ? r2(app5000.cpuPercent / Math.max(0.1, btop.cpuPercent)) : null,
  };
  return { seconds, samples: rows, ratios, ingest, peers };
}

/** One render-cost sample in its own tmux 120×40 terminal (CI unset, production React). */
async function renderSample(mode: string, rate: number, seconds: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
  const out = path.join(dir, 'r.json');
  // A socket per sample: a server still shutting down from the last one must not take this one with it.
  const socket = `bench-${process.pid}-${mode}-${rate}`;
  const cmd = [process.execPath, ...nodeArgsFor(new URL('./render-app.tsx', import.meta.url)), '--mode', mode, '--rate', String(rate), '--seconds', String(seconds), '--out', out].map((a) => `'${a}'`).join(' ');
  execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', `env -u CI NODE_ENV=production ${cmd}; sleep 30`]);
  for (let i = 0; i < (seconds + 30) * 10 && !existsSync(out); i++) await sleep(100);
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server']);
  } catch {
    /* gone */
  }
  const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { mode, rate, error: 'no result' };
  log(`  render ${mode.padEnd(9)} ${String(rate).padStart(5)} ev/s: cpu ${r.cpuPercent}% rss ${r.rssMB} MB (achieved ${r.achievedRate} ev/s)`);
  return r;
}

// ---- shared sandbox for 2-4 -----------------------------------------------------------------------
/** `pool`: the system database (noetl.event); `data`: the data database with the fixture's tables. */
async function withSandbox<T>(fn: (sb: RunningSandbox, pool: pg.Pool, data: pg.Pool) => Promise<T>): Promise<T> {
  const sb = await startSandbox();
  const pool = new pg.Pool({ connectionString: sb.pgUrl, max: 24 });
  pool.on('error', () => {});
  const data = new pg.Pool({ connectionString: sb.dataPgUrl, max: 24 });
  data.on('error', () => {});
  try {
    return await fn(sb, pool, data);
  } finally {
    await pool.end();
    await data.end();
    await sb.stop();
  }
}

const SMOKE = { seed_rows: 120, batch_size: 30, max_batches: 4, payload_kb_per_item: 220 };

async function terminalAt(pool: pg.Pool, id: string): Promise<number> {
  const { rows } = await pool.query(`SELECT to_char(max(created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM noetl.event WHERE execution_id = $1 AND event_type IN ('playbook.completed','playbook.failed')`, [id]);
  return Date.parse(rows[0].t);
}

// ---- 2 + 3 (tool side) + 4a: one CLI smoke run ----------------------------------------------------
async function toolRun(sb: RunningSandbox, pool: pg.Pool) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-run-'));
  await new Promise<void>((resolve) => {
    const c = spawn(process.execPath, [path.join(ROOT, 'bin', 'noetl-loadrun.js'), '--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--preset', 'smoke', '--no-tui', '--report-dir', dir], { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    c.on('close', () => resolve());
  });
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const recs = readFileSync(path.join(dir, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const latencies: number[] = [];
  for (const m of summary.modes) {
    const v = recs.find((r) => r.kind === 'verdict' && r.mode === m.mode && r.verdict === 'completed');
    if (v) latencies.push(Date.parse(v.ts) - (await terminalAt(pool, m.execution_id)));
  }
  return { summary, latencies };
}

/** What the seed does by hand: launch, `noetl status` every 5 s, then the SQL checks. */
async function seedScript(sb: RunningSandbox, pool: pg.Pool, data: pg.Pool, phaseMs: number) {
  const client = new NoetlClient({ baseUrl: sb.apiUrl });
  const ids = [];
  for (const mode of ['direct_stress', 'chunked_optimal']) ids.push(await client.execute(BUNDLED.parentPath, { ...SMOKE, execution_mode: mode, batch_worker_path: BUNDLED.workerPath }));
  const done = new Map<string, number>();
  // A person starts the loop at some moment: the first wait is a random part of the 5 s interval.
  for (let wait = phaseMs; done.size < ids.length; wait = 5000) {
    await sleep(wait);
    for (const id of ids) {
      if (done.has(id)) continue;
      const st = await client.status(id);
      if (st.state !== 'running') {
        await data.query(`SELECT count(*) AS stored, count(*) FILTER (WHERE http_status = 200) AS ok, min(item_id), max(item_id), avg(request_bytes), avg(response_bytes) FROM public.heavy_payload_results WHERE execution_id = $1`, [id]);
        await data.query(`SELECT count(*) FROM public.heavy_payload_source s LEFT JOIN public.heavy_payload_results r ON r.execution_id = s.execution_id AND r.item_id = s.item_id WHERE s.execution_id = $1 AND r.item_id IS NULL`, [id]);
        done.set(id, Date.now());
      }
    }
  }
  const latencies = [];
  for (const id of ids) latencies.push(done.get(id)! - (await terminalAt(pool, id)));
  await client.close();
  return latencies;
}

/** The same I/O per item without NoETL: build the blob, POST it to the echo endpoint, upsert the row. */
async function rawThroughput(sb: RunningSandbox, pool: pg.Pool, items: number, concurrency: number, kb: number) {
  await pool.query(`CREATE TABLE IF NOT EXISTS public.bench_raw (LIKE public.heavy_payload_results INCLUDING ALL)`);
  const agent = new Agent({ connections: 64 });
  const exec = `raw-${Date.now()}`;
  let next = 1;
  const t0 = performance.now();
  const worker = async () => {
    while (next <= items) {
      const id = next++;
      const key = `Item-${id}`;
      const digest = createHash('sha256').update(`${id}:${key}`).digest('hex');
      const blob = digest.repeat(Math.ceil((kb * 1024) / 64)).slice(0, kb * 1024);
      const res = await request(`${sb.echoUrl}/heavy-item-detail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item_id: id, item_key: key, request_blob: blob }), dispatcher: agent });
      const text = await res.body.text();
      await pool.query(
        `INSERT INTO public.bench_raw (execution_id, item_id, item_key, mode, batch_number, http_status, request_bytes, response_bytes, has_response, response_meta)
         VALUES ($1,$2,$3,'raw',0,$4,$5,$6,true,'{}') ON CONFLICT (execution_id, item_id) DO UPDATE SET processed_at = now()`,
        [exec, id, key, res.statusCode, blob.length, text.length],
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await agent.close();
  return items / ((performance.now() - t0) / 1000);
}

/** One steady-state event poll (cursor at the end) with 100 vs 100,000 events already in the log. */
async function pollCost(sb: RunningSandbox, pool: pg.Pool) {
  const client = new NoetlClient({ baseUrl: sb.apiUrl });
  await client.detectDialect();
  const system = new DirectSql(sb.pgUrl);
  const direct = new RowsSource(system, system);
  const out: Record<string, unknown> = {};
  // Other executions' events newer than every cursor below (a busy server): a read that leaves its own
  // execution's primary-key range walks through them.
  await pool.query(
    `INSERT INTO noetl.event (execution_id, catalog_id, event_id, event_type, node_name, status)
     SELECT 900000000000000003 + g % 50, 1, 2000000000000 + g, 'call.done', 'run_direct_stress', 'COMPLETED' FROM generate_series(1, 100000) g`,
  );
  for (const [exec, n] of [['900000000000000001', 100], ['900000000000000002', 100_000]] as const) {
    await pool.query(
      `INSERT INTO noetl.event (execution_id, catalog_id, event_id, event_type, node_name, status)
       SELECT $1::bigint, 1, $1::bigint * 0 + 1000000000000 + g, 'call.done', 'run_direct_stress', 'COMPLETED' FROM generate_series(1, $2::int) g`,
      [exec, n],
    );
    await pool.query('ANALYZE noetl.event');
    const last = String(1000000000000 + n);
    const api: number[] = [];
    const sql: number[] = [];
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      await client.eventsAfter(exec, last, 500);
      api.push(performance.now() - t);
      t = performance.now();
      await direct.eventsAfter([exec], last, 500);
      sql.push(performance.now() - t);
    }
    out[String(n)] = { apiMs: r2(median(api.slice(10))), sqlMs: r2(median(sql.slice(10))) };
    log(`  poll with ${n} events in the log: API ${(out[String(n)] as { apiMs: number }).apiMs} ms, SQL ${(out[String(n)] as { sqlMs: number }).sqlMs} ms (median)`);
  }
  await direct.close();
  await client.close();
  const a = out['100'] as { apiMs: number; sqlMs: number };
  const b = out['100000'] as { apiMs: number; sqlMs: number };
  return { ...out, apiRatio: r2(b.apiMs / a.apiMs), sqlRatio: r2(b.sqlMs / a.sqlMs) };
}

async function main() {
  if (process.argv.includes('--poll-only')) {
    // Just the steady-state poll cost (section 4's table), printed; nothing is written.
    await withSandbox(async (sb, pool) => void log(JSON.stringify(await pollCost(sb, pool))));
    return;
  }
  log('noetl-loadrun benchmarks' + (quick ? ' (quick)' : ''));
  log('1. render cost (real terminal, tmux 120x40, CI unset)');
  results.render = await renderCost();
  await withSandbox(async (sb, pool, data) => {
    const client = new NoetlClient({ baseUrl: sb.apiUrl });
    for (const f of [BUNDLED.workerFile, BUNDLED.parentFile]) await client.register(readFileSync(bundledFile(f), 'utf8'));
    await client.close();
    log('2. time to verdict (sandbox smoke runs, the seed loop at a random phase)');
    const runs = quick ? 3 : 10;
    const toolMs: number[] = [];
    const seedMs: number[] = [];
    let tool: Awaited<ReturnType<typeof toolRun>> | undefined;
    for (let i = 0; i < runs; i++) {
      const t = await toolRun(sb, pool);
      tool ??= t;
      toolMs.push(...t.latencies);
      const phase = Math.random() * 5000;
      const seed = await seedScript(sb, pool, data, phase);
      seedMs.push(...seed);
      log(`  run ${i + 1}/${runs}: tool ${t.latencies.map(Math.round).join(', ')} ms; seed (phase ${Math.round(phase)} ms) ${seed.map(Math.round).join(', ')} ms`);
    }
    const spread = (xs: number[]) => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });
    const ratio = r2(median(seedMs) / Math.max(1, median(toolMs)));
    results.timeToVerdict = { runs, samples: toolMs.length, tool: spread(toolMs), seedScript: spread(seedMs), toolLatencies: toolMs, seedLatencies: seedMs, speedup: ratio, goal: 'tool at most 1/5 of the seed loop (speedup >= 5)', met: ratio >= 5 };
    log(`  median tool ${Math.round(median(toolMs))} ms vs seed script ${Math.round(median(seedMs))} ms after the terminal event (${ratio}x)`);
    log('3. sandbox throughput (items/s)');
    // Items/s from the database: rows over the span between the first and the last persisted row.
    const modes = [];
    for (const m of tool!.summary.modes as Array<{ mode: string; execution_id: string }>) {
      const { rows } = await data.query(`SELECT count(*)::float8 / greatest(extract(epoch FROM max(processed_at) - min(processed_at)), 0.001) AS ips FROM public.heavy_payload_results WHERE execution_id = $1`, [m.execution_id]);
      modes.push({ mode: m.mode, itemsPerSecond: r2(Number(rows[0].ips)) });
    }
    const raw = await rawThroughput(sb, data, 120, 20, 220);
    results.throughput = { modes, rawItemsPerSecond: r2(raw), ratios: modes.map((m: { mode: string; itemsPerSecond: number }) => ({ mode: m.mode, ratio: r2(m.itemsPerSecond / raw) })) };
    log(`  ${modes.map((m: { mode: string; itemsPerSecond: number }) => `${m.mode} ${m.itemsPerSecond}`).join(', ')} vs raw script ${r2(raw)} items/s (same I/O, concurrency 20)`);
    log('4. observer load');
    results.observer = { ...tool!.summary.observer, poll: await pollCost(sb, pool) };
    log(`  ${JSON.stringify(tool!.summary.observer)}`);
  });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), markdown(results));
  log('wrote bench/results/latest.json and BENCHMARKS.md');
}

function markdown(r: Record<string, any>): string {
  const L: string[] = ['# Benchmarks', '', `Measured by \`npm run bench\` on ${r.date.slice(0, 10)} (Node ${r.node}, ${r.cpus} cores)${r.quick ? ', quick mode' : ''}. Every figure is a ratio to a peer measured in the same run; absolute times on these machines are not comparable across runs. Raw numbers: \`bench/results/latest.json\`.`, ''];
  const rc = r.render;
  L.push('## 1. Render cost: the real App vs a naive Ink baseline', '');
  if (rc.skipped) L.push(`Skipped: ${rc.skipped}.`, '');
  else {
    L.push('Each feed tick offers what it owes since the last one, so the offered rate is exact even when a frame delays the timer.', '');
    L.push(`Synthetic events fed for ${rc.seconds} s (after a 2 s warm-up) in a real terminal (tmux 120×40, \`CI\` unset, production React). **App**: the real screen, store outside React, 10 Hz snapshots, \`maxFps: 10\`. **Naive, same screen**: the same App with a snapshot pushed into React state on every 10 ms batch and Ink's default \`maxFps\` (30). **Naive, small screen**: the platform-notes baseline (a 20-line list and one chart in React state, setState per batch, default \`maxFps\`). CPU is % of one core; "achieved" is the event rate the process kept up with.`, '');
    L.push('| events/s | App CPU % | naive same-screen CPU % | **App / naive same screen** | naive small-screen CPU % | App / naive small | App RSS MB | naive same-screen RSS MB | achieved ev/s (App / naive same screen) |', '|---|---|---|---|---|---|---|---|---|');
    for (const x of rc.ratios) L.push(`| ${x.rate} | ${x.appCpu} | ${x.naiveAppCpu} | **${x.cpuRatioSameScreen}** | ${x.naiveCpu} | ${x.cpuRatioSmallNaive} | ${x.appRss} | ${x.naiveAppRss} | ${x.appAchieved} / ${x.naiveAppAchieved} |`);
    const [s, a] = rc.ingest;
    const p = rc.peers;
    if (p) {
      L.push('', '### Against btop, and the finished screen', '');
      if (p.btop.skipped) L.push(`btop: skipped (${p.btop.skipped}).`, '');
      else L.push(`btop, a native full-screen dashboard redrawing every ${p.btop.updateMs} ms in the same tmux 120×40 terminal: **${p.btop.cpuPercent}%** of a core.`, '');
      L.push('| figure | measured | peer | ratio | goal | met |', '|---|---|---|---|---|---|');
      if (!p.btop.skipped) {
        L.push(`| App fed 5,000 events/s | ${rc.ratios.find((x: any) => x.rate === 5000).appCpu}% | btop ${p.btop.cpuPercent}% | **${p.app5000OverBtop}×** | at most 3× btop | ${p.app5000OverBtop !== null && p.app5000OverBtop <= 3 ? 'yes' : 'no'} |`);
      }
      L.push(`| the finished run's screen, left alone | ${p.static.cpuPercent}% | — | — | at most 1% of a core | ${p.static.cpuPercent <= 1 ? 'yes' : 'no'} |`, '');
      L.push('Not measured here: the TUI on a real sandbox run of 3,000 items against btop (goal at most 2×), the 20,000-item scale run, and the CPU profile of a 10 s window.');
    }
    L.push('', `RSS after ingesting ${s.events.toLocaleString('en')} events: bounded store +${s.growthMB} MB vs keeping every event +${a.growthMB} MB (**${r2(s.growthMB / Math.max(1, a.growthMB))}×**); store ingest rate ${s.eventsPerSecond.toLocaleString('en')} events/s.`, '');
  }
  const t = r.timeToVerdict;
  L.push('## 2. Time to verdict', '', `${t.runs} sandbox smoke runs (both modes, ${t.samples} verdicts each side). From the moment the terminal event exists in \`noetl.event\` to the verdict: the tool (status, events and rows every 1 s, backing off while quiet) vs a script doing what the seed does by hand (\`noetl status\` every 5 s from a random phase, then the SQL checks) against the same sandbox. Goal: ${t.goal}.`, '');
  L.push('| | median ms | min ms | max ms |', '|---|---|---|---|', `| tool | ${t.tool.median} | ${t.tool.min} | ${t.tool.max} |`, `| seed script | ${t.seedScript.median} | ${t.seedScript.min} | ${t.seedScript.max} |`, '');
  L.push(`Seed / tool, medians: **${t.speedup}×** — goal ${t.met ? 'met' : 'NOT met'}.`, '');
  const th = r.throughput;
  L.push('## 3. Sandbox throughput', '', 'Items per second of each mode in the smoke run (120 items, 220 KB; rows over the span from the first to the last persisted row, both modes running at once) vs a raw script doing the same I/O per item (build the blob, POST it to the echo endpoint, upsert the row) with concurrency 20, in the same sandbox.', '');
  L.push('| mode | items/s | raw script items/s | mode / raw |', '|---|---|---|---|');
  for (const m of th.modes) L.push(`| ${m.mode} | ${m.itemsPerSecond} | ${th.rawItemsPerSecond} | **${th.ratios.find((x: any) => x.mode === m.mode).ratio}** |`);
  L.push('', 'Per item the sandbox does far more than the raw script, as NoETL does: three python tool calls in worker processes (the third receives the request and the echoed response, about 700 KB of JSON each way), eight event rows, two result-store writes of the large results (220 KB and 450 KB JSONB), template rendering, and both modes run at once on the same two cores. The raw script only hashes, POSTs and upserts.', '');
  const o = r.observer;
  L.push('', '## 4. Observer load', '', `During the smoke run (${o.seconds} s, both modes): **${o.api_calls_per_second} API calls/s** and **${o.sql_queries_per_second} SQL queries/s** (${o.api_calls} and ${o.sql_queries} in all).`, '');
  L.push('One steady-state event poll (cursor at the end of the log), median of 50:', '', '| events already in the log | API poll ms | SQL poll ms |', '|---|---|---|');
  L.push(`| 100 | ${o.poll['100'].apiMs} | ${o.poll['100'].sqlMs} |`, `| 100,000 | ${o.poll['100000'].apiMs} | ${o.poll['100000'].sqlMs} |`, `| ratio | **${o.poll.apiRatio}** | **${o.poll.sqlRatio}** |`, '');
  const grows = o.poll.apiRatio > 2 || o.poll.sqlRatio > 2;
  L.push(grows ? 'The poll cost grew with history: a read walked more than its own execution\'s range (goal: flat, ratio near 1).' : 'The poll cost does not grow with history: both reads stay in the `(execution_id, event_id)` primary-key range.', '');
  return L.join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 0; // the benchmark never fails the build
});
