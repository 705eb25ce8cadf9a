// The sweep's result as text (terminal), Markdown and a self-contained HTML page, and summary.json: the
// cells table, throughput against each swept parameter, the stall rate per cell and the recommendation.
import asciichart from 'asciichart';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunOutcome } from '../model.js';
import { safeJson } from '../render/reports.js';
import { recommend, throughputByAxis, type CellResult } from './result.js';
import type { SweepFile } from './state.js';
import { payloadGrowth } from './growth.js';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (n: number | null, unit = '') => (n === null ? '–' : `${n}${unit}`);

const HEAD = ['cell', 'setting', 'state', 'runs', 'rows/s', 'stalls', 'missing', 'time'];
/** The per-item cost columns, shown when the sweep varies the payload. */
const COST_HEAD = ['s/item', 'cpu s/item'];
const costShown = (cells: CellResult[]) => cells.some((c) => 'payload_kb' in c.swept);

/** The table's head: the cost columns after rows/s when the payload is swept. */
export function tableHead(cells: CellResult[]): string[] {
  return costShown(cells) ? [...HEAD.slice(0, 5), ...COST_HEAD, ...HEAD.slice(5)] : HEAD;
}

/** One row per cell: figures as the screens and reports show them. */
export function cellRow(c: CellResult, state?: string, withCost = false): string[] {
  return [
    c.id,
    c.label,
    state ?? (c.qualified ? 'ok' : c.runs.length < c.repeats ? 'incomplete' : 'breached'),
    `${c.runs.length}/${c.repeats}`,
    num(c.median_rows_per_second),
    ...(withCost ? [num(c.median_seconds_per_item ?? null), num(c.median_cpu_seconds_per_item ?? null)] : []),
    `${c.stalls}/${c.runs.length}`,
    String(c.missing),
    num(c.median_duration_seconds, 's'),
  ];
}

/** The head and one row per cell. */
export function tableRows(cells: Array<CellResult & { state?: string }>): string[][] {
  const cost = costShown(cells);
  return [tableHead(cells), ...cells.map((c) => cellRow(c, c.state, cost))];
}

export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

/** One line per finished cell (headless). */
export function cellLine(c: CellResult): string {
  return `${c.id} ${c.label}: ${c.runs.length}/${c.repeats} runs, median ${num(c.median_rows_per_second)} rows/s, stalls ${c.stalls}/${c.runs.length}, missing ${c.missing}, median ${num(c.median_duration_seconds, 's')}${c.qualified ? '' : ' — does not qualify'}`;
}

function charts(cells: CellResult[]): string[] {
  const out: string[] = [];
  for (const [axis, points] of Object.entries(throughputByAxis(cells))) {
    const ys = points.map((p) => p.rows_per_second ?? 0);
    if (ys.length < 2) continue;
    out.push('', `median rows/s against ${axis} (${points.map((p) => p.value).join(', ')}):`);
    out.push(...asciichart.plot(ys, { height: 6, format: (x: number) => x.toFixed(1).padStart(8) }).split('\n'));
  }
  const longest = Math.max(...cells.map((c) => c.id.length));
  out.push('', 'stall rate per cell:');
  for (const c of cells)
    out.push(
      `  ${c.id.padEnd(longest)}  ${'█'.repeat(Math.round((c.stall_rate ?? 0) * 20)).padEnd(20, '·')}  ${c.stall_rate === null ? '–' : `${Math.round(c.stall_rate * 100)}%`}`,
    );
  return out;
}

/** The payload-growth line, when the sweep varied the payload (an empty line before it). */
function growthLines(cells: CellResult[]): string[] {
  const g = payloadGrowth(cells);
  if (!g) return [];
  const edges =
    g.basis === 'engine CPU-seconds per item' && cells.every((c) => c.runs.every((r) => r.cpu_basis === 'run edges'));
  const how = edges
    ? [
        "(the engine's CPU read from /proc before each launch and once the engine settled after the run, less its idle rate)",
      ]
    : [];
  return ['', g.text, ...how];
}

export function sweepText(cells: CellResult[], outcome: RunOutcome, dir: string): string {
  return [
    'Sweep:',
    ...table(tableRows(cells)).map((l) => `  ${l}`),
    ...charts(cells),
    ...growthLines(cells),
    '',
    recommend(cells).text,
    `Reports: ${dir} (each run in <cell>/run-<n>/)`,
    `Result: exit ${outcome.exitCode} — ${outcome.reason}`,
  ].join('\n');
}

export function sweepMarkdown(cells: CellResult[], outcome: RunOutcome): string {
  const rows = tableRows(cells);
  const md = rows.map((r) => `| ${r.join(' | ')} |`);
  md.splice(1, 0, `|${rows[0].map(() => ' --- ').join('|')}|`);
  const runs = cells.flatMap((c) =>
    c.runs.map(
      (r) =>
        `| ${c.id} | ${r.repeat} | [${r.dir}](${r.dir}/report.md) | ${r.exit_code} | ${num(r.rows_per_second)} | ${r.breaches.join(', ') || 'none'} | ${r.missing} |`,
    ),
  );
  return [
    '# noetl-loadrun sweep',
    '',
    `Result: exit ${outcome.exitCode} — ${outcome.reason}`,
    '',
    `**${recommend(cells).text}**`,
    ...growthLines(cells),
    '',
    '## Cells',
    '',
    ...md,
    '',
    '## Charts',
    '',
    '```',
    ...charts(cells),
    '```',
    '',
    '## Runs',
    '',
    '| cell | repeat | report | exit | rows/s | breaches | missing |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...runs,
    '',
  ].join('\n');
}

/** A bar chart as inline SVG (no script, no network). */
function svgBars(title: string, bars: Array<{ label: string; value: number | null }>, unit: string): string {
  const max = Math.max(1e-9, ...bars.map((b) => b.value ?? 0));
  const h = 22 * bars.length + 30;
  const body = bars
    .map(
      (b, i) =>
        `<text x="0" y="${38 + i * 22}">${esc(b.label)}</text><rect class="bar" x="260" y="${24 + i * 22}" width="${Math.round(((b.value ?? 0) / max) * 300)}" height="16"/><text x="${570}" y="${38 + i * 22}">${esc(num(b.value, unit))}</text>`,
    )
    .join('');
  return `<figure><svg role="img" aria-label="${esc(title)}" width="680" height="${h}"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${body}</svg></figure>`;
}

export function sweepHtml(cells: CellResult[], outcome: RunOutcome): string {
  const rows = tableRows(cells)
    .slice(1)
    .map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`)
    .join('');
  const axes = Object.entries(throughputByAxis(cells)).map(([axis, pts]) =>
    svgBars(
      `median rows/s by ${axis}`,
      pts.map((p) => ({ label: `${axis}=${p.value}`, value: p.rows_per_second })),
      '',
    ),
  );
  const stall = svgBars(
    'stall rate per cell',
    cells.map((c) => ({
      label: `${c.id} ${c.label}`,
      value: c.stall_rate === null ? null : Math.round(c.stall_rate * 100),
    })),
    '%',
  );
  const links = cells
    .flatMap((c) =>
      c.runs.map(
        (r) =>
          `<li><a href="${esc(r.dir)}/report.html">${esc(c.id)} run ${r.repeat}</a>: exit ${r.exit_code}, ${esc(r.breaches.join(', ') || 'no breach')}</li>`,
      ),
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>noetl-loadrun sweep</title><style>body{font:14px system-ui,sans-serif;margin:16px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px}th{background:#f4f4f4}.bar{fill:#4a7bd0}svg text{font-size:12px}</style></head><body>
<h1>noetl-loadrun sweep</h1><p>Result: exit ${outcome.exitCode} — ${esc(outcome.reason)}</p><p id="recommendation"><b>${esc(recommend(cells).text)}</b></p>
${growthLines(cells)
  .filter(Boolean)
  .map((l) => `<p id="growth">${esc(l)}</p>`)
  .join('')}
<table id="cells"><tr>${tableHead(cells)
    .map((h) => `<th>${h}</th>`)
    .join('')}</tr>${rows}</table>
${axes.join('')}${stall}<h2>Runs</h2><ul>${links}</ul></body></html>\n`;
}

export function sweepSummary(file: SweepFile, cells: CellResult[], outcome: RunOutcome) {
  const rec = recommend(cells);
  return {
    schema_version: file.schema_version,
    tool: 'noetl-loadrun',
    kind: 'sweep',
    started_at: file.started_at,
    ended_at: new Date().toISOString(),
    exit_code: outcome.exitCode,
    outcome: outcome.reason,
    repeat: file.repeat,
    recommendation: rec.cell
      ? { cell: rec.cell.id, setting: rec.cell.swept, median_rows_per_second: rec.cell.median_rows_per_second }
      : null,
    recommendation_text: rec.text,
    payload_growth: payloadGrowth(cells),
    cells,
  };
}

/** summary.json, report.md and report.html in the sweep folder. */
export function writeSweepReports(dir: string, file: SweepFile, cells: CellResult[], outcome: RunOutcome): void {
  writeFileSync(path.join(dir, 'summary.json'), safeJson(sweepSummary(file, cells, outcome)) + '\n');
  writeFileSync(path.join(dir, 'report.md'), sweepMarkdown(cells, outcome));
  writeFileSync(path.join(dir, 'report.html'), sweepHtml(cells, outcome));
}
