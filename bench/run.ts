// `npm run bench`: the tool's own cost and speed next to its peers, each figure a ratio measured in one
// run on this machine. Writes bench/results/latest.json and BENCHMARKS.md. Never fails the build.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { fixtureCost, quietRun, scaleRuns } from './live.js';
import { startupCost } from './startup.js';
import { markdown } from './markdown.js';
import { btopCost } from './peers.js';
import { keepFirstProfile, stages } from './profile.js';
import { DirectSql } from '../src/sources/sql-runner.js';
import { engineShare } from './engine-share.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quick = process.argv.includes('--quick');
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  quick,
};
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
  const profile = await profileSample(seconds);
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
      appCpu: a?.cpuPercent,
      naiveAppCpu: na?.cpuPercent,
      naiveCpu: n?.cpuPercent,
      cpuRatioSameScreen: a && na ? r2(a.cpuPercent / na.cpuPercent) : null,
      cpuRatioSmallNaive: a && n ? r2(a.cpuPercent / n.cpuPercent) : null,
      appRss: a?.rssMB,
      naiveAppRss: na?.rssMB,
      naiveRss: n?.rssMB,
      appAchieved: a?.achievedRate,
      naiveAppAchieved: na?.achievedRate,
    };
  });
  const ingest = [];
  for (const mode of ['store', 'array']) {
    const { stdout } = await execFileP(
      process.execPath,
      ['--expose-gc', ...nodeArgsFor(new URL('./ingest.ts', import.meta.url)), mode, quick ? '200000' : '1000000'],
      { cwd: ROOT, maxBuffer: 1 << 20 },
    );
    ingest.push(JSON.parse(stdout.trim()));
    log(`  ingest ${mode}: ${JSON.stringify(ingest[ingest.length - 1])}`);
  }
  const app5000 = rows.find((x) => x.mode === 'app' && x.rate === 5000) as { cpuPercent: number } | undefined;
  const peers = {
    btop,
    static: still,
    app5000OverBtop: 'cpuPercent' in btop && app5000 ? r2(app5000.cpuPercent / Math.max(0.1, btop.cpuPercent)) : null,
  };
  return { seconds, samples: rows, ratios, ingest, peers, profile };
}

/** The App at 5,000 events/s once more under --cpu-prof (not a measured sample: profiling costs CPU). */
async function profileSample(seconds: number) {
  const results = path.join(ROOT, 'bench', 'results', 'profile');
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-prof-'));
  await renderSample('app', 5000, seconds, dir);
  const kept = keepFirstProfile(dir, path.join(results, 'app-5000.cpuprofile'));
  if (!kept) return { skipped: 'no profile was written' };
  // The window: after start-up and the 2 s warm-up (the first 4 s of the profile).
  const st = stages(kept, 4000);
  log(
    `  profile (main thread, ${st.windowMs} ms window): ${st.stages
      .slice(0, 5)
      .map((x) => `${x.stage} ${x.share}%`)
      .join(', ')}`,
  );
  return { file: path.relative(ROOT, kept), ...st };
}

/** One render-cost sample in its own tmux 120×40 terminal (CI unset, production React). */
async function renderSample(
  mode: string,
  rate: number,
  seconds: number,
  profileDir?: string,
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
  const out = path.join(dir, 'r.json');
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  // A socket per sample: a server still shutting down from the last one must not take this one with it.
  const socket = `bench-${process.pid}-${mode}-${rate}`;
  const cmd = [
    process.execPath,
    ...prof,
    ...nodeArgsFor(new URL('./render-app.tsx', import.meta.url)),
    '--mode',
    mode,
    '--rate',
    String(rate),
    '--seconds',
    String(seconds),
    '--out',
    out,
  ]
    .map((a) => `'${a}'`)
    .join(' ');
  execFileSync('tmux', [
    '-L',
    socket,
    'new-session',
    '-d',
    '-s',
    'b',
    '-x',
    '120',
    '-y',
    '40',
    `env -u CI NODE_ENV=production ${cmd}; sleep 30`,
  ]);
  for (let i = 0; i < (seconds + 30) * 10 && !existsSync(out); i++) await sleep(100);
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server']);
  } catch {
    /* gone */
  }
  const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { mode, rate, error: 'no result' };
  log(
    `  render ${mode.padEnd(9)} ${String(rate).padStart(5)} ev/s: cpu ${r.cpuPercent}% rss ${r.rssMB} MB (achieved ${r.achievedRate} ev/s; ${r.frames} frames at ${r.frameMs} ms)`,
  );
  return r;
}

// ---- a sandbox with its pools (2-4 share one; each pass of 3 has its own) ------------------------------
/** `pool`: the system database (noetl.event); `data`: the data database with the fixture's tables. */
async function withSandbox<T>(
  fn: (sb: RunningSandbox, pool: pg.Pool, data: pg.Pool) => Promise<T>,
  start: () => Promise<RunningSandbox> = startSandbox,
): Promise<T> {
  const sb = await start();
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

/** The bundled fixture pair, registered in the sandbox's catalog. */
async function registerFixtures(sb: RunningSandbox): Promise<void> {
  const client = new NoetlClient({ baseUrl: sb.apiUrl });
  for (const f of [BUNDLED.workerFile, BUNDLED.parentFile]) await client.register(readFileSync(bundledFile(f), 'utf8'));
  await client.close();
}

async function terminalAt(pool: pg.Pool, id: string): Promise<number> {
  const { rows } = await pool.query(
    `SELECT to_char(max(created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM noetl.event WHERE execution_id = $1 AND event_type IN ('playbook.completed','playbook.failed')`,
    [id],
  );
  return Date.parse(rows[0].t);
}

// ---- 2 + 3 (tool side) + 4a: one CLI smoke run ----------------------------------------------------
async function toolRun(sb: RunningSandbox, pool: pg.Pool) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-run-'));
  await new Promise<void>((resolve) => {
    const c = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'noetl-loadrun.js'),
        '--server-url',
        sb.apiUrl,
        '--pg-url',
        sb.pgUrl,
        '--preset',
        'smoke',
        '--no-tui',
        '--report-dir',
        dir,
      ],
      { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: 'ignore' },
    );
    c.on('close', () => resolve());
  });
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const recs = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
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
  for (const mode of ['direct_stress', 'chunked_optimal'])
    ids.push(
      await client.execute(BUNDLED.parentPath, {
        ...SMOKE,
        execution_mode: mode,
        batch_worker_path: BUNDLED.workerPath,
      }),
    );
  const done = new Map<string, number>();
  // A person starts the loop at some moment: the first wait is a random part of the 5 s interval.
  for (let wait = phaseMs; done.size < ids.length; wait = 5000) {
    await sleep(wait);
    for (const id of ids) {
      if (done.has(id)) continue;
      const st = await client.status(id);
      if (st.state !== 'running') {
        await data.query(
          `SELECT count(*) AS stored, count(*) FILTER (WHERE http_status = 200) AS ok, min(item_id), max(item_id), avg(request_bytes), avg(response_bytes) FROM public.heavy_payload_results WHERE execution_id = $1`,
          [id],
        );
        await data.query(
          `SELECT count(*) FROM public.heavy_payload_source s LEFT JOIN public.heavy_payload_results r ON r.execution_id = s.execution_id AND r.item_id = s.item_id WHERE s.execution_id = $1 AND r.item_id IS NULL`,
          [id],
        );
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
      const res = await request(`${sb.echoUrl}/heavy-item-detail`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item_id: id, item_key: key, request_blob: blob }),
        dispatcher: agent,
      });
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
  for (const [exec, n] of [
    ['900000000000000001', 100],
    ['900000000000000002', 100_000],
  ] as const) {
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
    log(
      `  poll with ${n} events in the log: API ${(out[String(n)] as { apiMs: number }).apiMs} ms, SQL ${(out[String(n)] as { sqlMs: number }).sqlMs} ms (median)`,
    );
  }
  await direct.close();
  await client.close();
  const a = out['100'] as { apiMs: number; sqlMs: number };
  const b = out['100000'] as { apiMs: number; sqlMs: number };
  return { ...out, apiRatio: r2(b.apiMs / a.apiMs), sqlRatio: r2(b.sqlMs / a.sqlMs) };
}

/** Section 2: the tool's verdict latency against the seed's `noetl status` loop, run after run on one sandbox. */
async function timeToVerdict(sb: RunningSandbox, pool: pg.Pool, data: pg.Pool) {
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
    log(
      `  run ${i + 1}/${runs}: tool ${t.latencies.map(Math.round).join(', ')} ms; seed (phase ${Math.round(phase)} ms) ${seed.map(Math.round).join(', ')} ms`,
    );
  }
  const spread = (xs: number[]) => ({
    median: Math.round(median(xs)),
    min: Math.round(Math.min(...xs)),
    max: Math.round(Math.max(...xs)),
  });
  const ratio = r2(median(seedMs) / Math.max(1, median(toolMs)));
  const verdict = {
    runs,
    samples: toolMs.length,
    tool: spread(toolMs),
    seedScript: spread(seedMs),
    toolLatencies: toolMs,
    seedLatencies: seedMs,
    speedup: ratio,
    goal: 'tool at most 1/5 of the seed loop (speedup >= 5)',
    met: ratio >= 5,
  };
  log(
    `  median tool ${Math.round(median(toolMs))} ms vs seed script ${Math.round(median(seedMs))} ms after the terminal event (${ratio}x)`,
  );
  return { verdict, tool: tool! };
}

/** A sandbox whose embedded Postgres is not tuned (glibc's allocator as it comes, the result store logged and compressed). */
async function untunedSandbox(): Promise<RunningSandbox> {
  process.env.NOETL_LOADRUN_SANDBOX_PG_TUNING = 'off';
  try {
    return await startSandbox();
  } finally {
    delete process.env.NOETL_LOADRUN_SANDBOX_PG_TUNING;
  }
}

/** One pass of section 3 in its own sandbox: items/s of a smoke run, the raw script, then the stage clock over a second run. */
async function throughputPass(variant: 'tuned' | 'untuned') {
  return withSandbox(
    async (sb, pool, data) => {
      await registerFixtures(sb);
      const run = await toolRun(sb, pool);
      // Items/s from the database: rows over the span between the first and the last persisted row.
      const modes: Record<string, number> = {};
      for (const m of run.summary.modes as Array<{ mode: string; execution_id: string }>) {
        const { rows } = await data.query(
          `SELECT count(*)::float8 / greatest(extract(epoch FROM max(processed_at) - min(processed_at)), 0.001) AS ips FROM public.heavy_payload_results WHERE execution_id = $1`,
          [m.execution_id],
        );
        modes[m.mode] = Number(rows[0].ips);
      }
      const raw = await rawThroughput(sb, data, 120, 20, 220);
      await stagesOf(sb, true);
      const staged = await toolRun(sb, pool);
      const st = await stagesOf(sb, false);
      const items =
        (staged.summary.modes as Array<{ expected_rows: number }>).reduce((n, m) => n + (m.expected_rows ?? 0), 0) ||
        240;
      log(
        `  ${variant}: ${Object.entries(modes)
          .map(([m, v]) => `${m} ${r2(v)}`)
          .join(
            ', ',
          )} items/s vs raw ${r2(raw)}; stages over ${st.seconds} s (server thread busy ${Math.round(st.serverThreadBusy * 100)}%): ${Object.entries(
          st.stages,
        )
          .map(([k, v]) => `${k} ${r2(v.ms / items)}`)
          .join(', ')} ms per item`,
      );
      return { modes, raw, items, seconds: st.seconds, serverThreadBusy: st.serverThreadBusy, stages: st.stages };
    },
    variant === 'untuned' ? untunedSandbox : startSandbox,
  );
}

/**
 * Section 3: items/s of each mode in a smoke run against the raw-I/O script, and where an item's time goes
 * (the sandbox's stage clock over one more smoke run). Two passes of the sandbox as it is and two with its
 * Postgres untuned (NOETL_LOADRUN_SANDBOX_PG_TUNING=off: glibc's allocator as it comes, the result store
 * logged and compressed), alternating,
 * each in a fresh sandbox; the figures are the passes' means.
 */
async function throughputSection() {
  log('3. sandbox throughput (items/s) and stages, the sandbox as it is vs its Postgres untuned (alternating)');
  const passes: Record<'tuned' | 'untuned', Awaited<ReturnType<typeof throughputPass>>[]> = { tuned: [], untuned: [] };
  for (let i = 0; i < (quick ? 1 : 2); i++)
    for (const v of ['untuned', 'tuned'] as const) passes[v].push(await throughputPass(v));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (ps: Awaited<ReturnType<typeof throughputPass>>[]) => {
    const stageNames = [...new Set(ps.flatMap((p) => Object.keys(p.stages)))];
    const perItem = stageNames
      .map((stage) => ({
        stage,
        calls: Math.round(mean(ps.map((p) => p.stages[stage]?.calls ?? 0))),
        msPerItem: r2(mean(ps.map((p) => (p.stages[stage]?.ms ?? 0) / p.items))),
      }))
      .sort((a, b) => b.msPerItem - a.msPerItem);
    const raw = mean(ps.map((p) => p.raw));
    const modes = Object.keys(ps[0].modes).map((mode) => ({
      mode,
      itemsPerSecond: r2(mean(ps.map((p) => p.modes[mode]))),
    }));
    return {
      passes: ps.length,
      modes,
      rawItemsPerSecond: r2(raw),
      ratios: modes.map((m) => ({ mode: m.mode, ratio: r2(m.itemsPerSecond / raw) })),
      stages: {
        items: ps[0].items,
        seconds: r2(mean(ps.map((p) => p.seconds))),
        serverThreadBusy: r2(mean(ps.map((p) => p.serverThreadBusy))),
        perItem,
      },
    };
  };
  return { ...summary(passes.tuned), untuned: summary(passes.untuned) };
}

/** CPU ticks of a sandbox's Postgres: the postmaster and every process it started. */
function postgresTicks(sb: RunningSandbox): number {
  const postmaster = sb.processes.find((p) => p.role === 'postgres')?.pid;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(pid) === postmaster || Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks;
}

/**
 * Section 3b: what a result-store write costs Postgres (all its processes' CPU, ms per item) for the
 * fixture's two large results (the built request and the echoed response, as the Rust http tool shapes
 * it), 160 items from 8 connections: a table as the system database has it (logged, compressed) and the
 * sandbox's own (unlogged, uncompressed), each in a sandbox whose Postgres runs with glibc's allocator
 * as it comes and with the sandbox's settings.
 */
async function resultStoreCost() {
  log('3b. result-store write cost (Postgres CPU per item)');
  const items = quick ? 48 : 160;
  const payload = (i: number) => {
    const blob = createHash('sha256').update(`${i}:Item-${i}`).digest('hex').repeat(3600).slice(0, 225280);
    const request = { item_id: i, item_key: `Item-${i}`, request_blob: blob, request_bytes: blob.length };
    const echoed = { args: {}, data: JSON.stringify(request), json: request };
    return [
      JSON.stringify(request),
      JSON.stringify({ status_code: 200, headers: { 'content-type': 'application/json' }, data: echoed, body: echoed }),
    ];
  };
  const tables = {
    system: 'CREATE TABLE bench_rs (ref text PRIMARY KEY, data jsonb)',
    sandbox:
      'CREATE UNLOGGED TABLE bench_rs (ref text PRIMARY KEY, data jsonb); ALTER TABLE bench_rs ALTER COLUMN data SET STORAGE EXTERNAL',
  };
  const out: Record<string, number> = {};
  for (const allocator of ['glibc', 'sandbox'] as const) {
    await withSandbox(
      async (sb, pool) => {
        for (const [table, ddl] of Object.entries(tables)) {
          await pool.query('DROP TABLE IF EXISTS bench_rs');
          await pool.query(ddl);
          await pool.query('CHECKPOINT');
          const t0 = postgresTicks(sb);
          await Promise.all(
            Array.from({ length: 8 }, async (_, w) => {
              for (let i = w; i < items; i += 8)
                for (const [k, text] of payload(i).entries())
                  await pool.query('INSERT INTO bench_rs VALUES ($1, $2)', [`${i}-${k}`, text]);
            }),
          );
          await sleep(1500); // the WAL writer and the background writer catch up
          out[`${allocator} allocator, ${table} table`] = r2(((postgresTicks(sb) - t0) * (1000 / 100)) / items);
        }
      },
      allocator === 'glibc' ? untunedSandbox : startSandbox,
    );
  }
  const before = out['glibc allocator, system table'];
  const after = out['sandbox allocator, sandbox table'];
  log(
    `  ${Object.entries(out)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}`,
  );
  return { items, msPerItem: out, ratio: r2(after / before) };
}

/** Section 5: the real tool on real sandbox runs, each with its own sandbox (none of the above running). */
async function liveSection(btop: unknown) {
  log('5. the real tool on real sandbox runs');
  // The tool as a user installs it runs dist/ (bin/noetl-loadrun.js runs a current dist/): built here
  // first, and removed at the end if it was not there before.
  const hadDist = existsSync(path.join(ROOT, 'dist'));
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  try {
    return await liveParts(btop);
  } finally {
    if (!hadDist) rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  }
}

async function liveParts(btop: unknown) {
  // Each part on its own: one that fails is recorded as such and the others still run.
  const part = async <T>(name: string, fn: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await fn();
    } catch (err) {
      log(`  ${name} failed: ${(err as Error).message}`);
      return { error: (err as Error).message };
    }
  };
  return {
    btop,
    fixture: await part('fixture', () => fixtureCost(log, quick ? 10 : 18)),
    startup: await part('startup', startupSection),
    quiet: await part('quiet', () => quietRun(log)),
    scale: await part('scale', () => scaleRuns(log, quick ? 2000 : 20000)),
  };
}

/** Start-up figures, the first frame drawn while a long execution runs on a sandbox already up. */
function startupSection() {
  return withSandbox(async (sb) => {
    await registerFixtures(sb);
    const client = new NoetlClient({ baseUrl: sb.apiUrl });
    const id = await client.execute(BUNDLED.parentPath, {
      execution_mode: 'direct_stress',
      seed_rows: 3000,
      payload_kb_per_item: 8,
    });
    await client.close();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-frame-'));
    return startupCost(log, ['watch', id, '--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--report-dir', dir]);
  });
}

/** The sandbox's stage clock (GET /api/sandbox/stages), optionally starting a new tally. */
async function stagesOf(
  sb: RunningSandbox,
  reset: boolean,
): Promise<{ seconds: number; serverThreadBusy: number; stages: Record<string, { calls: number; ms: number }> }> {
  const res = await request(`${sb.apiUrl}/api/sandbox/stages${reset ? '?reset=1' : ''}`);
  return (await res.body.json()) as {
    seconds: number;
    serverThreadBusy: number;
    stages: Record<string, { calls: number; ms: number }>;
  };
}

async function main() {
  if (process.argv.includes('--markdown-only')) {
    // BENCHMARKS.md again from the last results (after a change to its wording, not to any figure).
    writeFileSync(
      path.join(ROOT, 'BENCHMARKS.md'),
      markdown(JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), 'utf8'))),
    );
    return;
  }
  // One section measured again on its own, into the last full run's results (and BENCHMARKS.md from them).
  const again: Record<string, (last: Record<string, any>) => Promise<void>> = {
    '--verdict-only': async (last) => {
      // Section 2 (the tool and its peer in the same pass).
      await withSandbox(async (sb, pool, data) => {
        await registerFixtures(sb);
        last.timeToVerdict = { ...(await timeToVerdict(sb, pool, data)).verdict, rerun: new Date().toISOString() };
      });
    },
    // Section 5, with its own btop sample.
    '--live-only': async (last) =>
      void (last.live = { ...(await liveSection(await btopCost(10))), rerun: new Date().toISOString() }),
    // Goal 4's start-up figures (the first frames: packed, the clone's dist/, the clone's sources).
    '--startup-only': async (last) =>
      void (last.live = { ...last.live, startup: { ...(await startupSection()), rerun: new Date().toISOString() } }),
    // Section 3: items/s, the raw script and the stage clock, then the result-store write cost.
    '--throughput-only': async (last) =>
      void (last.throughput = {
        ...(await throughputSection()),
        resultStore: await resultStoreCost(),
        rerun: new Date().toISOString(),
      }),
    // Section 7: the tool's share of a real engine's database time and requests.
    '--engine-share-only': async (last) =>
      void (last.engineShare = { ...(await engineShare(quick, log)), rerun: new Date().toISOString() }),
  };
  const flag = Object.keys(again).find((f) => process.argv.includes(f));
  if (flag) {
    const file = path.join(ROOT, 'bench', 'results', 'latest.json');
    const last = JSON.parse(readFileSync(file, 'utf8'));
    await again[flag](last);
    writeFileSync(file, JSON.stringify(last, null, 2) + '\n');
    writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), markdown(last));
    return;
  }
  if (process.argv.includes('--poll-only')) {
    // Just the steady-state poll cost (section 4's table), printed; nothing is written.
    await withSandbox(async (sb, pool) => void log(JSON.stringify(await pollCost(sb, pool))));
    return;
  }
  log('noetl-loadrun benchmarks' + (quick ? ' (quick)' : ''));
  log('1. render cost (real terminal, tmux 120x40, CI unset)');
  results.render = await renderCost();
  await withSandbox(async (sb, pool, data) => {
    await registerFixtures(sb);
    const { verdict, tool } = await timeToVerdict(sb, pool, data);
    results.timeToVerdict = verdict;
    log('4. observer load');
    results.observer = { ...tool!.summary.observer, poll: await pollCost(sb, pool) };
    log(`  ${JSON.stringify(tool!.summary.observer)}`);
  });
  results.throughput = { ...(await throughputSection()), resultStore: await resultStoreCost() };
  results.live = await liveSection((results.render as { peers?: { btop: unknown } }).peers?.btop);
  log('7. the observer on a real engine');
  results.engineShare = await engineShare(quick, log).catch((err) => ({ error: (err as Error).message }));
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), markdown(results));
  log('wrote bench/results/latest.json and BENCHMARKS.md');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 0; // the benchmark never fails the build
});
