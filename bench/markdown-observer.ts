// BENCHMARKS.md's section on issue #27 (watching costs less than btop): each goal beside its figure, the
// peer measured in the same run and whether it is met; then where the observer's time goes.
type Any = Record<string, any>;

const r2 = (n: number) => Math.round(n * 100) / 100;
const yes = (ok: boolean | null) => (ok === null ? '—' : ok ? 'yes' : 'no');
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || !b ? null : r2(a / b);

/** One table row: figure, measured, peer, ratio, goal, met. */
const row = (cells: Array<string | number | null | undefined>) =>
  `| ${cells.map((c) => (c === null || c === undefined ? '—' : String(c))).join(' | ')} |`;

function cpuRows(f: Any): string[] {
  const tui = f.tui ?? {};
  const hl = f.headless ?? {};
  const rt = ratio(tui.cpuPercent, tui.btopPercent);
  const rh = ratio(hl.cpuPercent, hl.btopPercent);
  return [
    row([
      '1. the tool with its TUI (tmux 120×40)',
      `${tui.cpuPercent}%`,
      `btop ${tui.btopPercent}%`,
      rt && `**${rt}×**`,
      'at most 1.5× btop',
      yes(rt === null ? null : rt <= 1.5),
    ]),
    row([
      '1. the tool headless',
      `${hl.cpuPercent}%`,
      `btop ${hl.btopPercent}%`,
      rh && `**${rh}×**`,
      'at most 1× btop',
      yes(rh === null ? null : rh <= 1),
    ]),
  ];
}

function feedRows(o: Any): string[] {
  const bytesRatio = ratio(o.bytes_read_per_event, o.bytes_used_per_event);
  return [
    row([
      '2. reads per distinct event (API and SQL)',
      o.reads_per_event,
      `${o.feed?.events} events, ${o.feed?.events_read} read`,
      null,
      'at most 1.3',
      yes(o.reads_per_event == null ? null : o.reads_per_event <= 1.3),
    ]),
    row([
      '2. bytes read per event',
      `${o.bytes_read_per_event} B`,
      `fields used: ${o.bytes_used_per_event} B`,
      bytesRatio && `**${bytesRatio}×**`,
      'within 3× of the fields used',
      yes(bytesRatio === null ? null : bytesRatio <= 3),
    ]),
    row([
      '2. late commits found by the window count',
      o.feed?.late,
      `${o.feed?.probes} counts, ${o.feed?.probe_reads} reads of what they found`,
      null,
      '—',
      '—',
    ]),
  ];
}

function rssRows(p: Any, f: Any): string[] {
  const t = p?.tui?.observer?.rss_mb_max;
  const h = p?.headless?.observer?.rss_mb_max;
  return [
    row([
      '3. RSS, fixture preset run, with the TUI (max)',
      `${t} MB`,
      null,
      null,
      'at most 120 MB',
      yes(t == null ? null : t <= 120),
    ]),
    row([
      '3. RSS, fixture preset run, headless (max)',
      `${h} MB`,
      null,
      null,
      'at most 100 MB',
      yes(h == null ? null : h <= 100),
    ]),
    row([
      '3. RSS, named workload, TUI / headless (max)',
      `${f.tui?.observer?.rss_mb_max} / ${f.headless?.observer?.rss_mb_max} MB`,
      null,
      null,
      '—',
      '—',
    ]),
  ];
}

function startupRows(s: Any): string[] {
  const k = s.kubectlVersionClient;
  const peer = `kubectl version --client ${k ?? '—'} ms; node -e 0 ${s.nodeBare} ms`;
  const within = (v: number | null, max: number) => yes(v === null || v === undefined ? null : v <= max);
  return [
    row([
      '4. `--help` from the packed package (median of 10)',
      `${s.packedHelp} ms`,
      peer,
      ratio(s.packedHelp, k) && `${ratio(s.packedHelp, k)}× kubectl`,
      'at most 250 ms',
      within(s.packedHelp, 250),
    ]),
    row([
      '4. `--version` from the packed package (median of 10)',
      `${s.packedVersion} ms`,
      peer,
      ratio(s.packedVersion, k) && `${ratio(s.packedVersion, k)}× kubectl`,
      'at most 250 ms',
      within(s.packedVersion, 250),
    ]),
    row([
      '4. `npm start -- --help` from the clone (median of 5)',
      `${s.cloneNpmStartHelp} ms`,
      null,
      null,
      'at most 1 s',
      within(s.cloneNpmStartHelp, 1000),
    ]),
    row([
      '4. first frame of the TUI, `watch` of a running execution (median of 5)',
      `${s.firstFrame} ms`,
      null,
      null,
      'at most 1 s',
      within(s.firstFrame, 1000),
    ]),
    row([
      '4. the same from a clone after `npm install` (its prepare script builds dist/), time and RSS (median of 5)',
      `${s.cloneFirstFrame ?? '—'} ms, ${s.cloneFirstFrameRssMb ?? '—'} MB`,
      `packed: ${s.firstFrame} ms, ${s.firstFrameRssMb ?? '—'} MB; the clone's sources through tsx: ${s.cloneSourcesFirstFrame ?? '—'} ms, ${s.cloneSourcesFirstFrameRssMb ?? '—'} MB`,
      ratio(s.cloneFirstFrame, s.firstFrame) &&
        `${ratio(s.cloneFirstFrame, s.firstFrame)}× packed (time), ${ratio(s.cloneFirstFrameRssMb, s.firstFrameRssMb) ?? '—'}× (RSS)`,
      'at most 500 ms and 100 MB',
      yes(
        s.cloneFirstFrame === undefined || s.cloneFirstFrame === null
          ? null
          : s.cloneFirstFrame <= 500 && (s.cloneFirstFrameRssMb ?? 0) <= 100,
      ),
    ]),
  ];
}

function lastRoundRows(r: Any): string[] {
  const peers = r.render?.peers ?? {};
  const tv = r.timeToVerdict ?? {};
  const q = r.live?.quiet ?? {};
  const app = peers.app5000OverBtop;
  const appCpu = (r.render?.samples ?? []).find((x: Any) => x.mode === 'app' && x.rate === 5000)?.cpuPercent;
  const big = r.live?.scale?.big?.observer;
  const growth = big ? Math.round((big.rss_mb_end - big.rss_mb_start) * 10) / 10 : null;
  const poll = big ? ratio(big.poll_ms_last, big.poll_ms_first) : null;
  const still = peers.static?.cpuPercent;
  const quiet = Math.max(q.apiPerSecondPerMode ?? 0, q.sqlPerSecondPerMode ?? 0);
  return [
    row([
      '5. App at 5,000 synthetic events/s',
      appCpu == null ? null : `${appCpu}%`,
      `btop ${peers.btop?.cpuPercent}%`,
      app && `**${app}×**`,
      'at most 3× btop',
      yes(app == null ? null : app <= 3),
    ]),
    row([
      '5. the finished screen, left alone',
      `${still}%`,
      null,
      null,
      'at most 1% of a core',
      yes(still == null ? null : still <= 1),
    ]),
    row([
      '5. verdict after the terminal event, seed / tool',
      tv.speedup && `**${tv.speedup}×**`,
      null,
      null,
      'at least 5×',
      yes(tv.speedup == null ? null : tv.speedup >= 5),
    ]),
    row([
      '5. a quiet run, calls per second per mode (API, SQL)',
      `${q.apiPerSecondPerMode}, ${q.sqlPerSecondPerMode}`,
      null,
      null,
      'at most 1',
      yes(q.apiPerSecondPerMode == null ? null : quiet <= 1),
    ]),
    row([
      '5. the 20,000-item run, first pass (RSS growth; poll round, last 10 vs first 10)',
      big && `${growth} MB; ${poll}×`,
      null,
      null,
      'at most +30 MB; within 1.5×',
      yes(big ? growth! <= 30 && poll! <= 1.5 : null),
    ]),
  ];
}

function profileLines(p: Any): string[] {
  if (!p?.stages) return [p?.skipped ? `The observer's profile was not taken: ${p.skipped}.` : ''];
  return [
    `Where the observer's time goes on the named workload, headless (\`${p.file}\`, not committed; open it in Chrome DevTools), main thread over a ${p.windowMs} ms window after the first 8 s: busy ${p.busyMs} ms.`,
    '',
    '| stage | ms | share of busy |',
    '|---|---|---|',
    ...p.stages.map((s: Any) => `| ${s.stage} | ${s.ms} | ${s.share}% |`),
  ];
}

/** What changed for issue #27, and where the memory goes (measured by hand on this machine, 2026-12-05). */
function changedLines(): string[] {
  return [
    "What changed. **Reads:** the event feed re-read a trailing window of up to 1,000 ids per execution on every poll to catch ids committed below the cursor, so most events were fetched and parsed several times; it now reads after the cursor only, and one indexed count per mode (`RowsSource.spanCounts()`: a primary-key range count per execution between the window's floor and the cursor) finds late commits, after which only the ids not held are read (`src/sources/event-feed.ts`, `trail.ts`). The window is no longer cut at 1,000 ids, which a busy execution filled in under a second (shorter than a late commit). **Start-up:** `cli.ts` imported every command (and through them undici, pg, execa and the run) before parsing its arguments; each command is now imported when it runs, the HTTP and Postgres clients when preflight begins, kubectl only for a cluster. **Memory:** the bin runs node with `--max-semi-space-size=4` (V8 grows the young generation to 2 × 16 MB while the modules load and keeps it; capped at 2 × 4 MB, about 22 MB less resident memory for the same CPU in the App at 5,000 events/s, 8.9% against 8.6%, one run each).",
    '',
    "Where the TUI's memory goes (dist/, measured by loading its modules, 2026-12-05 after the bundle of Ink): node and V8 alone about 43 MB; the run's modules (undici, pg, the store) about 25 MB; the TUI's modules (the bundle of Ink, React, the components) about 13 MB more, and its first frame about 9 MB (yoga-layout's WebAssembly memory, 16 MB reserved, much of it untouched, and the narrow-character table); then the young generation (8 MB with the cap) and the run's own data. Before the bundle, Ink, React and yoga-layout came to about 45 MB and the module-hook thread of the string-width patch to about 12 MB more. **Ink bundle:** from the sources the string-width patch is a module hook, and on Node 20 `module.register` runs it on a thread of its own through which every later import is resolved and loaded: that thread cost about 12 MB and most of the first frame's second (about 770 ms and 125 MB to a first Ink frame against about 300 ms and 81 MB without, measured by hand). `npm run build` now bundles Ink and the packages it imports (not React) into `dist/components/ink.js` with esbuild, each copy of string-width aliased to the remembering one (`scripts/bundle-ink.ts`): no hook, one file to load instead of some 500. The patches stay on; `NOETL_LOADRUN_PATCHES=off` still turns them off.",
  ];
}

/** The section, from the results of one full run (`r.live.fixture`, `r.live.startup`, `r.render`, ...). */
export function observerGoalsMarkdown(r: Any): string[] {
  const f = r.live?.fixture;
  if (!f || f.error)
    return f?.error ? ['', `## 6. Issue #27: the observer's cost`, '', `Not measured: ${f.error}`] : [];
  const s = r.live?.startup ?? {};
  const L = [
    '',
    "## 6. Issue #27: the observer's cost",
    '',
    `The named workload: \`${f.args}\` (3,000 items of 8 KB per mode, both modes side by side, 200 ms echo latency), the tool as installed (\`dist/\`, built by the bench), CPU of its own process over ${f.tui?.windowSeconds} s from 6 s after launch, btop (update_ms 100, its own tmux 120×40 terminal) running beside it over the same window. Reads and bytes per event are the tool's own tally (summary.json \`observer.feed\`) of the headless run: bytes of the events routes' answers, and for SQL the values' text and row framing; "fields used" is the bytes of the six fields the tool keeps of each event.`,
    '',
    '| figure | measured | peer | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...cpuRows(f),
    ...feedRows(f.headless?.observer ?? {}),
    ...rssRows(f.preset, f),
    ...(s.error ? [row(['4. start-up', s.error, null, null, '—', '—'])] : startupRows(s)),
    ...lastRoundRows(r),
    '',
    ...profileLines(f.profile),
    '',
    ...changedLines(),
  ];
  return L;
}
