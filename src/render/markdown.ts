// report.md: the summary, stall facts and missing-items diff as Markdown, from the same lines the
// terminal prints (render/lines.ts).
import type { RunOutcome, Snapshot } from '../model.js';
import {
  BUDGET,
  checkLine,
  crossLines,
  diagnosisLines,
  diffLabel,
  diffSection,
  leftRunningLines,
  type Line,
  stallLines,
  afterEndLines,
  episodeLines,
  SUMMARY_HEAD,
  summaryCells,
} from './lines.js';

const bullets = (lines: Line[]) => lines.map((l) => `${'  '.repeat(l.depth)}- ${l.text}`);
const mib = (b: number | null) => (b === null ? '—' : (b / 1048576).toFixed(1));

function header(s: Snapshot, outcome: RunOutcome): string[] {
  const p = s.params;
  const t = s.target;
  const out = ['# noetl-loadrun report', ''];
  out.push(
    `- started: ${new Date(s.startedAt).toISOString()}, duration ${Math.round((s.now - s.startedAt) / 100) / 10} s`,
  );
  out.push(`- target: ${t.kind} ${t.serverUrl} (dialect ${t.dialect}, rows via ${t.rowsSource})`);
  if (t.faults.length) out.push(`- sandbox fault profile (emulation): ${t.faults.join(', ')}`);
  out.push(
    `- parameters: preset ${p.preset ?? 'custom'}, seed_rows ${p.seedRows}, payload_kb_per_item ${p.payloadKb}, batch_size ${p.batchSize}, max_batches ${p.maxBatches}`,
  );
  out.push(`- outcome: exit ${outcome.exitCode} — ${outcome.reason}`, '');
  if (s.checks.length) out.push('## Preflight', '', ...s.checks.map((c) => `- ${checkLine(c)}`), '');
  return out;
}

function modesTable(s: Snapshot): string[] {
  const out = [
    '## Modes',
    '',
    `| ${SUMMARY_HEAD[0]} | execution | ${SUMMARY_HEAD.slice(1).join(' | ')} |`,
    `|${'---|'.repeat(SUMMARY_HEAD.length + 1)}`,
  ];
  for (const m of s.modes) {
    const [mode, ...rest] = summaryCells(m, s.now, s.target);
    out.push(`| ${mode} | ${m.executionId ?? '—'} | ${rest.join(' | ')} |`);
  }
  out.push('');
  for (const m of s.modes)
    if (m.stall)
      out.push(
        `### ${m.mode}: STALLED`,
        '',
        ...bullets(stallLines(m.mode, m.stall).map((l) => ({ ...l, depth: 0 }))),
        '',
      );
  for (const m of s.modes) {
    const ep = episodeLines(m.mode, m.stalls, m.startedAt, s.now);
    if (ep.length) out.push(`### ${m.mode}: stall episodes`, '', ...bullets(ep.slice(1)), '');
    const after = afterEndLines(m.mode, m.afterEnd, m.startedAt);
    if (after.length) out.push(`### ${m.mode}: rows after the end`, '', ...bullets(after), '');
  }
  for (const m of s.modes) {
    const d = diagnosisLines(m.mode, m.diagnosis);
    if (d.length) out.push(`### ${m.mode}: diagnosis`, '', ...bullets(d), '');
  }
  return out;
}

function podsTable(s: Snapshot): string[] {
  if (!s.pods.length) return [];
  const out = [
    '',
    '## Pods (last sample)',
    '',
    '| name | role | CPU (m) | memory MiB | Δ since start MiB |',
    '|---|---|---|---|---|',
  ];
  for (const p of s.pods) {
    const delta =
      p.memoryBytes !== null && p.firstMemoryBytes !== null
        ? ((p.memoryBytes - p.firstMemoryBytes) / 1048576).toFixed(1)
        : '—';
    out.push(`| ${p.name} | ${p.role} | ${p.cpuMillicores ?? '—'} | ${mib(p.memoryBytes)} | ${delta} |`);
  }
  return out;
}

export function renderMarkdown(s: Snapshot, outcome: RunOutcome): string {
  const lines = [...header(s, outcome), ...modesTable(s)];
  lines.push(
    '## Missing items',
    '',
    ...bullets(
      diffSection(
        s.modes.map((m) => ({ label: diffLabel(m), diff: m.diff })),
        null,
        BUDGET.markdown,
      ),
    ),
    ...bullets(leftRunningLines(s.modes, s.target)),
  );
  const cross = crossLines(s.cross, BUDGET.markdown);
  if (cross.length)
    lines.push(
      '',
      `## ${cross[0].text.replace(/:$/, '')}`,
      '',
      ...bullets(cross.slice(1).map((l) => ({ ...l, depth: 0 }))),
    );
  lines.push(...podsTable(s), '');
  return lines.join('\n');
}
