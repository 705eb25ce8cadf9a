// Run reports under --report-dir: events.ndjson (every event and sample, streamed while the run goes),
// summary.json (schema-versioned) and report.md, written on every exit path.
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { redact } from '../redact.js';
import type { RunStore, Snapshot } from '../run/store.js';
import { formatRanges } from './missing-items.js';

export const SUMMARY_SCHEMA_VERSION = 1;

export function defaultReportDir(now = new Date()): string {
  return path.join('loadrun-reports', now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19));
}

export function safeJson(v: unknown): string {
  return redact(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir can loop forever on a pseudo filesystem such as
 * /proc (ENOENT for the leaf while the parent exists), which would hang the tool before it starts.
 */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  let cur = dir;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) mkdirSync(d);
}

export class ReportWriter {
  private stream: WriteStream | undefined;
  private written = false;
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    try {
      mkdirs(this.dir);
      accessSync(this.dir, constants.W_OK);
    } catch (err) {
      throw usageError(`--report-dir ${JSON.stringify(dir)} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'choose a writable directory');
    }
  }

  /** Streams every store record to events.ndjson. */
  attach(store: RunStore): void {
    this.stream = createWriteStream(path.join(this.dir, 'events.ndjson'), { flags: 'a' });
    this.stream.on('error', () => {});
    store.addSink((rec) => this.stream?.write(safeJson(rec) + '\n'));
    store.setReportDir(this.dir);
  }

  /** Writes summary.json and report.md (idempotent: the last call wins). Synchronous, so it survives exit. */
  write(snap: Snapshot, outcome: { exitCode: number; reason: string }, extra: Record<string, unknown> = {}): void {
    const summary = buildSummary(snap, outcome, extra);
    writeFileSync(path.join(this.dir, 'summary.json'), redact(JSON.stringify(summary, null, 2)) + '\n');
    writeFileSync(path.join(this.dir, 'report.md'), redact(renderMarkdown(summary)));
    this.written = true;
  }

  get hasWritten(): boolean {
    return this.written;
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(() => r()));
  }
}

export function buildSummary(snap: Snapshot, outcome: { exitCode: number; reason: string }, extra: Record<string, unknown>) {
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    tool: 'noetl-loadrun',
    started_at: new Date(snap.startedAt).toISOString(),
    ended_at: new Date(snap.now).toISOString(),
    duration_seconds: Math.round((snap.now - snap.startedAt) / 100) / 10,
    exit_code: outcome.exitCode,
    outcome: outcome.reason,
    target: snap.target,
    parameters: snap.params,
    phases: snap.phases,
    preflight_checks: snap.checks,
    modes: snap.modes.map((m) => ({
      mode: m.mode,
      execution_id: m.executionId,
      verdict: m.verdict,
      error: m.error,
      current_step: m.currentStep,
      expected_rows: m.expected,
      stored_rows: m.stats?.storedRows ?? 0,
      ok_rows: m.stats?.okRows ?? 0,
      min_item_id: m.stats?.minItemId ?? null,
      max_item_id: m.stats?.maxItemId ?? null,
      avg_request_bytes: Math.round(m.stats?.avgRequestBytes ?? 0),
      avg_response_bytes: Math.round(m.stats?.avgResponseBytes ?? 0),
      rows_per_batch: m.stats?.perBatch ?? {},
      duration_seconds: m.startedAt ? Math.round(((m.endedAt ?? snap.now) - m.startedAt) / 100) / 10 : null,
      events: m.eventCount,
      events_by_type: m.eventsByType,
      child_executions: m.children,
      iterations_issued: m.iterationsIssued,
      iterations_done: m.iterationsDone,
      retries: m.retries,
      retries_per_node: m.retriesPerNode,
      failures: m.failures,
      open_executions: m.openExecutions,
      stall: m.stall,
      summarize: m.summarize,
      missing: m.diff ? { count: m.diff.missingCount, ranges: m.diff.missing, per_window: m.diff.windows.map((w) => ({ batch_number: w.batchNumber, from: w.from, to: w.to, missing: w.missing, ranges: w.ranges })) } : null,
    })),
    cross_mode: snap.cross,
    pods: snap.pods.map((p) => ({ name: p.name, role: p.role, cpu_millicores: p.cpuMillicores, memory_bytes: p.memoryBytes, first_memory_bytes: p.firstMemoryBytes })),
    ...extra,
  };
}

type Summary = ReturnType<typeof buildSummary>;

function renderMarkdown(s: Summary): string {
  const p = s.parameters;
  const lines: string[] = [];
  lines.push(`# noetl-loadrun report`, '');
  lines.push(`- started: ${s.started_at}, duration ${s.duration_seconds} s`);
  lines.push(`- target: ${s.target.kind} ${s.target.serverUrl} (dialect ${s.target.dialect}, rows via ${s.target.rowsSource})`);
  if (s.target.faults.length) lines.push(`- sandbox fault profile (emulation): ${s.target.faults.join(', ')}`);
  lines.push(`- parameters: preset ${p.preset ?? 'custom'}, seed_rows ${p.seedRows}, payload_kb_per_item ${p.payloadKb}, batch_size ${p.batchSize}, max_batches ${p.maxBatches}`);
  lines.push(`- outcome: exit ${s.exit_code} — ${s.outcome}`, '');
  if (s.preflight_checks.length) {
    lines.push('## Preflight', '');
    for (const c of s.preflight_checks) lines.push(`- ${c.verdict === 'ok' ? '✓' : c.verdict === 'warn' ? '!' : '✗'} ${c.name}: ${c.detail}${c.hint && c.verdict !== 'ok' ? ` — ${c.hint}` : ''}`);
    lines.push('');
  }
  lines.push('## Modes', '');
  lines.push('| mode | execution | verdict | stored / expected | ok | min–max item | avg req B | avg resp B | events | retries | failures | seconds |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of s.modes) {
    lines.push(`| ${m.mode} | ${m.execution_id ?? '—'} | ${m.verdict.toUpperCase()} | ${m.stored_rows} / ${m.expected_rows} | ${m.ok_rows} | ${m.min_item_id ?? '—'}–${m.max_item_id ?? '—'} | ${m.avg_request_bytes} | ${m.avg_response_bytes} | ${m.events} | ${m.retries} | ${m.failures} | ${m.duration_seconds ?? '—'} |`);
  }
  lines.push('');
  for (const m of s.modes) {
    if (!m.stall) continue;
    const st = m.stall;
    lines.push(`### ${m.mode}: STALLED`, '');
    lines.push(`- no new rows or events for ${st.idleSeconds} s; max persisted item_id ${st.maxPersistedItemId ?? '—'} (${st.storedRows}/${st.expectedRows} rows)`);
    lines.push(`- iterations issued ${st.iterationsIssued}, done ${st.iterationsDone}`);
    lines.push(`- retries per node: ${Object.entries(st.retriesPerNode).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    lines.push(`- executions with no terminal event: ${st.openExecutions.join(', ') || 'none'}`);
    lines.push(`- pod memory trend: ${st.podMemoryTrend.map((t) => `${t.pod} ${t.firstMiB}→${t.lastMiB} MiB`).join(', ') || 'no samples'}`, '');
  }
  lines.push('## Missing items', '');
  for (const m of s.modes) {
    if (!m.missing) {
      lines.push(`- ${m.mode}: not measured`);
      continue;
    }
    lines.push(`- ${m.mode}: ${m.missing.count} missing of ${m.expected_rows}: ${formatRanges(m.missing.ranges as [number, number][], 50)}`);
    const windows = m.missing.per_window.filter((w) => w.missing > 0);
    for (const w of windows) lines.push(`  - window ${w.batch_number} (items ${w.from}–${w.to}): ${w.missing} missing (${formatRanges(w.ranges as [number, number][], 10)})`);
  }
  if (s.cross_mode) {
    lines.push('', '## Cross-mode', '');
    lines.push(`- stored by chunked_optimal, missing in direct_stress: ${formatRanges(s.cross_mode.onlyChunked, 50)}`);
    lines.push(`- stored by direct_stress, missing in chunked_optimal: ${formatRanges(s.cross_mode.onlyDirect, 50)}`);
    lines.push(`- missing in both: ${formatRanges(s.cross_mode.missingInBoth, 50)}`);
  }
  if (s.pods.length) {
    lines.push('', '## Pods (last sample)', '', '| name | role | CPU (m) | memory MiB | Δ since start MiB |', '|---|---|---|---|---|');
    for (const p of s.pods) {
      const mib = (b: number | null) => (b === null ? '—' : (b / 1048576).toFixed(1));
      const delta = p.memory_bytes !== null && p.first_memory_bytes !== null ? ((p.memory_bytes - p.first_memory_bytes) / 1048576).toFixed(1) : '—';
      lines.push(`| ${p.name} | ${p.role} | ${p.cpu_millicores ?? '—'} | ${mib(p.memory_bytes)} | ${delta} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
