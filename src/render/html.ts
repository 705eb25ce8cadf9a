// report.html: one self-contained page (no network: uPlot and its CSS inlined) with, per mode side by
// side, stored rows, rows/s and events/s over time, the stall moment marked with its diagnosis, a strip of
// item ids 1..N coloured stored/missing, the per-window table; pod memory and CPU; the cross-mode diff,
// parameters, target and versions. The facts come from the same lines as the other reports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { retriesShown, type RunOutcome, type Snapshot } from '../model.js';
import { BUDGET, crossLines, diagnosisLines, modeDiffLines } from './lines.js';
import type { RunSeries } from './series.js';

const require = createRequire(import.meta.url);
export const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function uplotAssets(): { js: string; css: string } {
  const dir = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
  return {
    js: readFileSync(path.join(dir, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(path.join(dir, 'uPlot.min.css'), 'utf8'),
  };
}

export const STYLE = `body{font:14px system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin:4px 0}
.modes{display:flex;gap:16px}.mode{flex:1;min-width:0;border:1px solid #ccc;border-radius:6px;padding:8px}
.verdict-completed{color:#1a7f37}.verdict-stalled,.verdict-failed,.verdict-timeout{color:#c62828}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}th{background:#f4f4f4}
.lines div{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}.bad{color:#c62828}.warn{color:#9a6700}.ok{color:#1a7f37}.dim{color:#777}
canvas.strip{border:1px solid #ddd;image-rendering:pixelated}.pods{display:flex;gap:16px}
.legend{font-size:12px;margin:2px 0 8px}.legend span{margin-right:12px}.legend b{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}`;

/**
 * The charts' drawing function, shared by report.html and compare.html: one uPlot chart of the keys of a
 * series map over one time axis, with marks (a stall) drawn on it and a static legend of the series' names
 * and colours under it (uPlot's own legend shows "--" boxes away from the cursor: hidden).
 */
export const CHART_JS = `var COLORS=['#1f77b4','#d62728','#2ca02c','#9467bd','#ff7f0e','#8c564b','#17becf'];
function chart(el,title,map,keys,marks,W){var ks=keys.filter(function(k){return map[k]&&map[k].t.length});if(!ks.length){el.textContent=title+': no samples';return}
var ts=[];ks.forEach(function(k){ts=ts.concat(map[k].t)});ts=Array.from(new Set(ts)).sort(function(a,b){return a-b});
var data=[ts].concat(ks.map(function(k){var m={};map[k].t.forEach(function(t,i){m[t]=map[k].v[i]});return ts.map(function(t){return t in m?m[t]:null})}));
new uPlot({title:title,width:W,height:160,legend:{show:false},scales:{x:{time:false}},axes:[{label:'seconds'},{}],series:[{}].concat(ks.map(function(k,i){return {label:k,stroke:COLORS[i%COLORS.length],spanGaps:true,points:{show:true,size:3}}})),
hooks:{draw:[function(u){(marks||[]).forEach(function(m){var x=u.valToPos(m.t,'x',true);var c=u.ctx;c.save();c.strokeStyle=m.color||'#c62828';c.lineWidth=2;c.beginPath();c.moveTo(x,u.bbox.top);c.lineTo(x,u.bbox.top+u.bbox.height);c.stroke();c.fillStyle=m.color||'#c62828';c.fillText(m.label,x+4,u.bbox.top+12);c.restore()})}]}},data,el);
var lg=document.createElement('div');lg.className='legend';ks.forEach(function(k,i){var s=document.createElement('span');var b=document.createElement('b');b.style.background=COLORS[i%COLORS.length];s.appendChild(b);s.appendChild(document.createTextNode(k));lg.appendChild(s)});el.appendChild(lg)}`;

function lineDivs(lines: ReturnType<typeof modeDiffLines>): string {
  return `<div class="lines">${lines.map((l) => `<div class="${l.tone}">${'  '.repeat(l.depth)}${esc(l.text)}</div>`).join('')}</div>`;
}

function modeSection(snap: Snapshot, m: Snapshot['modes'][number]): string {
  // Only a mode that ran chunk windows has a window table (direct_stress runs one loop).
  const windows = (m.children > 0 || m.mode === 'chunked_optimal' ? (m.diff?.windows ?? []) : [])
    .map((w) => `<tr><td>${w.batchNumber}</td><td>${w.from}–${w.to}</td><td>${w.missing}</td></tr>`)
    .join('');
  const missing = (m.diff?.missing ?? []).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  return `<div class="mode" data-mode="${m.mode}">
<h2>${m.mode} <span class="verdict-${m.verdict}">${m.verdict.toUpperCase()}</span> <small>${esc(m.executionId ?? '')}</small></h2>
<div>${m.stats?.storedRows ?? 0}/${m.expected} rows stored · ${m.eventCount} events · retries ${retriesShown(m, snap.target)} · failures ${m.failures}</div>
<div class="chart" data-series="stored"></div><div class="chart" data-series="rate"></div><div class="chart" data-series="events"></div>
<h2>items 1..${m.expected}</h2><canvas class="strip" data-expected="${m.expected}" data-missing="${missing}" data-measured="${m.diff ? 'yes' : 'no'}"></canvas>
${lineDivs([...modeDiffLines(m.mode, m.diff, BUDGET.markdown), ...diagnosisLines(m.mode, m.diagnosis)])}
${windows ? `<table><tr><th>window</th><th>items</th><th>missing</th></tr>${windows}</table>` : ''}
</div>`;
}

function metaSection(snap: Snapshot, outcome: RunOutcome, versions: Record<string, string>): string {
  const p = snap.params;
  const rows: Array<[string, unknown]> = [
    ['target', `${snap.target.kind} ${snap.target.serverUrl} (${snap.target.dialect})`],
    ['rows from', snap.target.rowsSource],
    [
      'parameters',
      `preset ${p.preset ?? 'custom'}: seed_rows ${p.seedRows}, payload_kb_per_item ${p.payloadKb}, batch_size ${p.batchSize}, max_batches ${p.maxBatches}`,
    ],
    ['faults (emulation)', snap.target.faults.join(', ') || 'none'],
    ['started', new Date(snap.startedAt).toISOString()],
    ['outcome', `exit ${outcome.exitCode} — ${outcome.reason}`],
    [
      'versions',
      Object.entries(versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
  ];
  return `<table class="meta">${rows.map(([k, v]) => `<tr><th>${k}</th><td style="text-align:left">${esc(v)}</td></tr>`).join('')}</table>`;
}

/** The page's own script: charts from the embedded data, the stall marked, the item strips painted. */
const DRAW = `(function(){var d=JSON.parse(document.getElementById('data').textContent);var W=Math.max(280,Math.floor((window.innerWidth-80)/2));
${CHART_JS}
document.querySelectorAll('.mode').forEach(function(box){var mode=box.dataset.mode;var ep=(d.stallMarks||{})[mode]||[];var marks=ep.length>1?ep:d.stallAt[mode]!==undefined?[{t:d.stallAt[mode],label:'stall: '+(d.causes[mode]||'unknown')}]:[];
box.querySelectorAll('.chart').forEach(function(el){var s=el.dataset.series;chart(el,{stored:'stored rows',rate:'rows/s',events:'events/s'}[s],d[s],[mode],marks,W)});
var cv=box.querySelector('canvas.strip');var n=+cv.dataset.expected;var cols=Math.min(n,100);var cell=Math.max(2,Math.floor(W/Math.max(cols,1)));cv.width=cols*cell;cv.height=Math.ceil(n/cols)*cell;
var g=cv.getContext('2d');var miss=new Set();(cv.dataset.missing||'').split(',').filter(Boolean).forEach(function(r){var p=r.split('-').map(Number);for(var i=p[0];i<=(p[1]||p[0]);i++)miss.add(i)});
for(var i=1;i<=n;i++){g.fillStyle=cv.dataset.measured!=='yes'?'#bbb':miss.has(i)?'#c62828':'#2e7d32';g.fillRect(((i-1)%cols)*cell,Math.floor((i-1)/cols)*cell,cell-1,cell-1)}
cv.dataset.cols=cols;cv.dataset.cell=cell});
chart(document.getElementById('mem'),'pod memory (MiB)',d.memoryMiB,Object.keys(d.memoryMiB),[],W);chart(document.getElementById('cpu'),'pod CPU (millicores)',d.cpuMillicores,Object.keys(d.cpuMillicores),[],W);document.body.dataset.drawn='yes'})();`;

export function renderHtml(
  snap: Snapshot,
  outcome: RunOutcome,
  series: RunSeries,
  versions: Record<string, string>,
): string {
  const { js, css } = uplotAssets();
  const causes = Object.fromEntries(snap.modes.map((m) => [m.mode, m.diagnosis?.causes[0]?.id ?? 'unknown']));
  const data = JSON.stringify({ ...series, causes }).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>noetl-loadrun report</title><style>${css}\n${STYLE}</style></head><body>
<h1>noetl-loadrun report</h1>${metaSection(snap, outcome, versions)}
<div class="modes">${snap.modes.map((m) => modeSection(snap, m)).join('')}</div>
<h2>pods</h2><div class="pods"><div id="mem"></div><div id="cpu"></div></div>
${lineDivs(crossLines(snap.cross, BUDGET.markdown))}
<script>${js}</script><script type="application/json" id="data">${data}</script><script>${DRAW}</script></body></html>`;
}
