// Plain-text views of a snapshot, shared by the headless renderer and the TUI's exit print.
import { formatRanges } from '../report/missing-items.js';
import type { ModeView, Snapshot } from '../run/store.js';

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function progressLine(m: ModeView, now: number, startedAt: number): string {
  const stored = m.stats?.storedRows ?? 0;
  const pct = m.expected ? Math.floor((100 * stored) / m.expected) : 0;
  const parts = [
    `[${secs(now - startedAt).padStart(6)}]`,
    m.mode.padEnd(15),
    m.verdict.toUpperCase().padEnd(9),
    (m.currentStep ?? '—').padEnd(26),
    `stored ${stored}/${m.expected} (${pct}%)`,
    `${m.rowsPerSecond.toFixed(1)} rows/s`,
    `events ${m.eventCount}`,
    `in-flight ${Math.max(0, m.iterationsIssued - m.iterationsDone)}`,
    `retries ${m.retries}`,
    `failures ${m.failures}`,
  ];
  return parts.join('  ');
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
}

export function summaryTable(snap: Snapshot): string[] {
  const head = ['mode', 'verdict', 'stored/expected', 'ok', 'min-max id', 'avg req B', 'avg resp B', 'events', 'retries', 'failures', 'seconds'];
  const rows = snap.modes.map((m) => [
    m.mode,
    m.verdict.toUpperCase(),
    `${m.stats?.storedRows ?? 0}/${m.expected}`,
    String(m.stats?.okRows ?? 0),
    `${m.stats?.minItemId ?? '-'}-${m.stats?.maxItemId ?? '-'}`,
    String(Math.round(m.stats?.avgRequestBytes ?? 0)),
    String(Math.round(m.stats?.avgResponseBytes ?? 0)),
    String(m.eventCount),
    String(m.retries),
    String(m.failures),
    m.startedAt ? ((( m.endedAt ?? snap.now) - m.startedAt) / 1000).toFixed(1) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [pad(head, widths), pad(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => pad(r, widths))];
}

export function stallLines(m: ModeView): string[] {
  if (!m.stall) return [];
  const s = m.stall;
  return [
    `${m.mode} STALLED: no new rows or events for ${s.idleSeconds}s; max persisted item_id ${s.maxPersistedItemId ?? '-'} (${s.storedRows}/${s.expectedRows})`,
    `  iterations issued ${s.iterationsIssued}, done ${s.iterationsDone}; retries per node: ${Object.entries(s.retriesPerNode).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`,
    `  executions with no terminal event: ${s.openExecutions.join(', ') || 'none'}`,
    `  pod memory: ${s.podMemoryTrend.map((t) => `${t.pod} ${t.firstMiB}->${t.lastMiB} MiB`).join(', ') || 'no samples'}`,
  ];
}

export function diffLines(snap: Snapshot): string[] {
  const out: string[] = ['Missing items:'];
  for (const m of snap.modes) {
    if (!m.diff) {
      out.push(`  ${m.mode}: not measured`);
      continue;
    }
    out.push(`  ${m.mode}: ${m.diff.missingCount} missing of ${m.diff.expected}: ${formatRanges(m.diff.missing)}`);
    for (const w of m.diff.windows.filter((x) => x.missing > 0)) {
      out.push(`    window ${w.batchNumber} (items ${w.from}-${w.to}): ${w.missing} missing (${formatRanges(w.ranges, 8)})`);
    }
  }
  if (snap.cross) {
    out.push('Cross-mode:');
    out.push(`  stored by chunked_optimal, missing in direct_stress: ${formatRanges(snap.cross.onlyChunked)}`);
    out.push(`  stored by direct_stress, missing in chunked_optimal: ${formatRanges(snap.cross.onlyDirect)}`);
    out.push(`  missing in both: ${formatRanges(snap.cross.missingInBoth)}`);
  }
  return out;
}

export function finalText(snap: Snapshot, outcome: { exitCode: number; reason: string }): string {
  const lines = ['', ...summaryTable(snap), ''];
  for (const m of snap.modes) lines.push(...stallLines(m));
  for (const m of snap.modes) if (m.error) lines.push(`${m.mode}: ${m.error}`);
  lines.push(...diffLines(snap), '');
  if (snap.reportDir) lines.push(`Report: ${snap.reportDir}`);
  lines.push(`Result: exit ${outcome.exitCode} — ${outcome.reason}`);
  return lines.join('\n');
}
