// compare.html: self-contained like report.html (uPlot inlined, no network): the runs' table per mode and,
// per mode, stored rows and rows/s over time with one series per run overlaid, each run's stall marked.
import { CHART_JS, esc, STYLE, uplotAssets } from '../render/html.js';
import type { RunSeries } from '../render/series.js';
import { compareGrowth, HEAD, modesOf, modeTable, notComparable } from './compare.js';
import type { RunDigest } from './load.js';

function table(runs: RunDigest[], mode: string): string {
  const { rows, changes } = modeTable(runs, mode);
  const tr = (c: string[], cell: string) => `<tr>${c.map((x) => `<${cell}>${esc(x)}</${cell}>`).join('')}</tr>`;
  const items = changes.map((c) => `<li>${esc(c)}</li>`).join('');
  return `<table>${tr(HEAD, 'th')}${rows.map((c) => tr(c, 'td')).join('')}</table><ul class="changes">${items}</ul>`;
}

// Two modes sit side by side only where both tables fit (else one under the other), and no cell wraps: at
// 1400 px the two tables overlapped and run names broke over four lines (issue #39 item 16).
const LAYOUT = `.modes{flex-wrap:wrap}.mode{flex:1 1 760px;min-width:0}.mode table{width:100%}
.mode td:nth-child(-n+6),.mode th{white-space:nowrap}.mode td:nth-child(n+7){white-space:normal;min-width:90px}`;

const DRAW = `(function(){var d=JSON.parse(document.getElementById('data').textContent);
${CHART_JS}
document.querySelectorAll('.mode').forEach(function(box){var mode=box.dataset.mode;var marks=[];var W=Math.max(320,box.clientWidth-24);
d.runs.forEach(function(r,i){if(r.stallAt[mode]!==undefined)marks.push({t:r.stallAt[mode],label:'stall '+r.label,color:COLORS[i%COLORS.length]})});
['stored','rate'].forEach(function(s){var map={};d.runs.forEach(function(r){if(r[s][mode])map[r.label]=r[s][mode]});
chart(box.querySelector('.chart[data-series='+s+']'),{stored:'stored rows',rate:'rows/s'}[s],map,d.runs.map(function(r){return r.label}),marks,W)})});
document.body.dataset.drawn='yes'})();`;

export function compareHtml(runs: RunDigest[], series: RunSeries[]): string {
  const { js, css } = uplotAssets();
  const modes = modesOf(runs);
  const data = JSON.stringify({
    runs: runs.map((r, i) => ({
      label: r.label,
      stored: series[i].stored,
      rate: series[i].rate,
      stallAt: series[i].stallAt,
    })),
  }).replace(/</g, '\\u003c');
  const list = runs
    .map((r) => `<li><b>${esc(r.label)}</b>: ${esc(r.startedAt)}, ${esc(r.target)}, exit ${r.exitCode}</li>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>noetl-loadrun compare</title><style>${css}\n${STYLE}\n${LAYOUT}</style></head><body>
<h1>noetl-loadrun compare</h1><ul>${list}</ul>${notComparable(runs)
    .map((w) => `<p class="warn"><b>${esc(w)}</b></p>`)
    .join('')}${compareGrowth(runs)
    .map((g) => `<p id="growth"><b>${esc(g)}</b></p>`)
    .join('')}
<div class="modes">${modes.map((m) => `<div class="mode" data-mode="${esc(m)}"><h2>${esc(m)}</h2>${table(runs, m)}<div class="chart" data-series="stored"></div><div class="chart" data-series="rate"></div></div>`).join('')}</div>
<script>${js}</script><script type="application/json" id="data">${data}</script><script>${DRAW}</script></body></html>`;
}
