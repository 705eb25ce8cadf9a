// BENCHMARKS.md from bench/results/latest.json: every goal of issue 17 next to the measured figure, the peer
// measured in the same run and whether it is met.
import { engineShareMarkdown } from './engine-share.js';
import { observerGoalsMarkdown } from './markdown-observer.js';
const r2 = (n: number) => Math.round(n * 100) / 100;

export function markdown(r: Record<string, any>): string {
  const L: string[] = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${r.date.slice(0, 10)} (Node ${r.node}, ${r.cpus} cores)${r.quick ? ', quick mode' : ''}${reruns(r)}. Every figure is a ratio to a peer measured in the same run; absolute times on these machines are not comparable across runs. Raw numbers: \`bench/results/latest.json\`.`,
    '',
  ];
  const rc = r.render;
  L.push('## 1. Render cost: the real App vs a naive Ink baseline', '');
  if (rc.skipped) L.push(`Skipped: ${rc.skipped}.`, '');
  else {
    L.push(
      'Each feed tick offers what it owes since the last one, so the offered rate is exact even when a frame delays the timer.',
      '',
    );
    L.push(
      `Synthetic events fed for ${rc.seconds} s (after a 2 s warm-up) in a real terminal (tmux 120×40, \`CI\` unset, production React). **App**: the real screen, store outside React, a snapshot every 200 ms when something changed (each one drawn), \`maxFps: 10\`. **Naive, same screen**: the same App with a snapshot pushed into React state on every 10 ms batch and Ink's default \`maxFps\` (30). **Naive, small screen**: the platform-notes baseline (a 20-line list and one chart in React state, setState per batch, default \`maxFps\`). CPU is % of one core; "achieved" is the event rate the process kept up with.`,
      '',
    );
    L.push(
      '| events/s | App CPU % | naive same-screen CPU % | **App / naive same screen** | naive small-screen CPU % | App / naive small | App RSS MB | naive same-screen RSS MB | achieved ev/s (App / naive same screen) | App frames/s, Ink ms per frame |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    const sample = (mode: string, rate: number) =>
      rc.samples.find((x: any) => x.mode === mode && x.rate === rate) ?? {};
    for (const x of rc.ratios) {
      const a = sample('app', x.rate);
      L.push(
        `| ${x.rate} | ${x.appCpu} | ${x.naiveAppCpu} | **${x.cpuRatioSameScreen}** | ${x.naiveCpu} | ${x.cpuRatioSmallNaive} | ${x.appRss} | ${x.naiveAppRss} | ${x.appAchieved} / ${x.naiveAppAchieved} | ${a.frames !== undefined ? `${r2(a.frames / rc.seconds)}, ${a.frameMs}` : '—'} |`,
      );
    }
    const [s, a] = rc.ingest;
    const p = rc.peers;
    if (p) {
      L.push('', '### Against btop, and the finished screen', '');
      if (p.btop.skipped) L.push(`btop: skipped (${p.btop.skipped}).`, '');
      else
        L.push(
          `btop, a native full-screen dashboard redrawing every ${p.btop.updateMs} ms in the same tmux 120×40 terminal: **${p.btop.cpuPercent}%** of a core.`,
          '',
        );
      L.push('| figure | measured | peer | ratio | goal | met |', '|---|---|---|---|---|---|');
      if (!p.btop.skipped) {
        L.push(
          `| App fed 5,000 events/s | ${rc.ratios.find((x: any) => x.rate === 5000).appCpu}% | btop ${p.btop.cpuPercent}% | **${p.app5000OverBtop}×** | at most 3× btop | ${p.app5000OverBtop !== null && p.app5000OverBtop <= 3 ? 'yes' : 'no'} |`,
        );
      }
      L.push(
        `| the finished run's screen, left alone | ${p.static.cpuPercent}% | — | — | at most 1% of a core | ${p.static.cpuPercent <= 1 ? 'yes' : 'no'} |`,
        '',
      );
      L.push(
        'The App draws a frame only when a sample of the store changed, at most every 200 ms; btop redraws every 100 ms. The real tool on a real run against btop is in §5.',
        '',
      );
    }
    if (rc.profile?.stages) {
      L.push(
        "### Where the App's time goes",
        '',
        `A CPU profile of the App fed 5,000 events/s (\`${rc.profile.file}\`, not committed; open it in Chrome DevTools), main thread over a ${r2(rc.profile.windowMs / 1000)} s window after the warm-up: busy ${rc.profile.busyMs} ms.`,
        '',
      );
      L.push('| stage | ms | share of busy |', '|---|---|---|');
      for (const x of rc.profile.stages) L.push(`| ${x.stage} | ${x.ms} | ${x.share}% |`);
      L.push(
        '',
        'What the profiles showed and what changed: Ink\'s 100 ms throttle drew every other 100 ms snapshot, so half of the React and layout work never reached the screen (now one snapshot per drawn frame, 200 ms); the rows/s chart was recomputed by asciichart on every commit (now only when its series changes); the event tail keyed its lines by event id, so every frame unmounted and mounted eight Ink nodes per column (now one Ink text node with coloured lines, keyed by position); `overflow="hidden"` made Ink slice every line of every frame with slice-ansi (now vertical clipping only, the text is already fitted). Ink composed every frame into a new Output whose caches started empty, so every unchanged line was tokenized again each frame (now one set of caches kept across frames, holding what the last two frames used: `components/ink-caches.ts`); Ink measured every text node on every frame through string-width, which segments any line holding one non-ASCII character (a `·`, a bar, the chart) into graphemes and tests each against Unicode properties (now widths are remembered through a module hook in place before Ink loads: `components/width-cache.ts`, and a string of narrow characters is measured by its length: `components/narrow.ts`).',
      );
      L.push(
        '',
        "Then the largest stage was Ink re-serialising the whole 120×40 grid on every drawn frame: a fresh grid of 4,800 cell objects, and between each pair of neighbouring cells a style diff that builds three Sets and two arrays even when both cells look the same, whichever part of the screen changed. Each frame is now composed row by row (`components/ink-compose.ts`): a row whose writes (the lines placed in it, after clipping and colouring) are those of the last frame is taken as it was; a changed row is laid out as Ink lays it and serialised with Ink's own ANSI functions, skipping the diff between neighbours whose styles are equal; a line of narrow characters and SGR sequences is cut into cells without Intl.Segmenter. The frame is byte for byte the one Ink composes (`test/ink-caches.test.tsx` compares 300 random frames; `test/narrow.test.ts` compares 4,000 random lines with ansi-tokenize's cells). At 5,000 events/s this took the App's main thread from about 490 to about 240 busy ms per 9.3 s and Ink's frame from about 5.4 to about 1.1 ms (by hand, one profile each, before the bench run above). The App samples above run with all of it; the naive ones with Ink alone.",
      );
      L.push(
        '',
        "Left as it is: every frame still rewrites the whole screen. Ink 6.8's incremental rendering (only the changed lines) is off because it loses its place: with a frame that ends in a newline (any frame shorter than the terminal) it moves the cursor up one line too few before each frame, so the first line lands one row low and the last line's newline scrolls the screen; lines it skips as unchanged then show their neighbour's old text (the stale phase line on the final screen that `test/tui-e2e.test.ts` pins). The terminal write is the table's \"terminal write\" row.",
      );
    }
    L.push(
      '',
      `RSS after ingesting ${s.events.toLocaleString('en')} events: bounded store +${s.growthMB} MB vs keeping every event +${a.growthMB} MB (**${r2(s.growthMB / Math.max(1, a.growthMB))}×**); store ingest rate ${s.eventsPerSecond.toLocaleString('en')} events/s.`,
      '',
    );
  }
  const t = r.timeToVerdict;
  L.push(
    '## 2. Time to verdict',
    '',
    `${t.runs} sandbox smoke runs (both modes, ${t.samples} verdicts each side). From the moment the terminal event exists in \`noetl.event\` to the verdict: the tool (status, events and rows every 1 s, backing off while quiet) vs a script doing what the seed does by hand (\`noetl status\` every 5 s from a random phase, then the SQL checks) against the same sandbox. Goal: ${t.goal}.`,
    '',
  );
  L.push(
    '| | median ms | min ms | max ms |',
    '|---|---|---|---|',
    `| tool | ${t.tool.median} | ${t.tool.min} | ${t.tool.max} |`,
    `| seed script | ${t.seedScript.median} | ${t.seedScript.min} | ${t.seedScript.max} |`,
    '',
  );
  L.push(
    `Seed / tool, medians: **${t.speedup}×** — goal ${t.met ? 'met' : 'NOT met'}.${t.rerun ? ` This section was measured again on its own with \`--verdict-only\` (${t.rerun.slice(0, 16).replace('T', ' ')} UTC), after the tool began polling every 250 ms for up to 10 s once every expected row is stored; the rest of the page is from the full run.` : ''}`,
    '',
  );
  const th = r.throughput;
  const un = th.untuned;
  L.push(
    '## 3. Sandbox throughput',
    '',
    `Items per second of each mode in the smoke run (120 items, 220 KB; rows over the span from the first to the last persisted row, both modes running at once) vs a raw script doing the same I/O per item (build the blob, POST it to the echo endpoint, upsert the row) with concurrency 20, in the same sandbox. ${un ? `Means of ${th.passes} passes of the sandbox as it is and ${un.passes} with its Postgres untuned (\`NOETL_LOADRUN_SANDBOX_PG_TUNING=off\`: glibc's allocator as it comes, the result store logged and compressed as in a system database), alternating, each pass in a fresh sandbox.` : ''}${th.rerun ? ` Measured again on its own with \`--throughput-only\` (${th.rerun.slice(0, 16).replace('T', ' ')} UTC).` : ''}`,
    '',
  );
  if (un) {
    L.push(
      '| mode | items/s | raw script items/s | mode / raw | untuned Postgres: items/s | raw | mode / raw |',
      '|---|---|---|---|---|---|---|',
    );
    for (const m of th.modes) {
      const u = un.modes.find((x: any) => x.mode === m.mode);
      L.push(
        `| ${m.mode} | ${m.itemsPerSecond} | ${th.rawItemsPerSecond} | **${th.ratios.find((x: any) => x.mode === m.mode).ratio}** | ${u?.itemsPerSecond} | ${un.rawItemsPerSecond} | ${un.ratios.find((x: any) => x.mode === m.mode)?.ratio} |`,
      );
    }
  } else {
    L.push('| mode | items/s | raw script items/s | mode / raw |', '|---|---|---|---|');
    for (const m of th.modes)
      L.push(
        `| ${m.mode} | ${m.itemsPerSecond} | ${th.rawItemsPerSecond} | **${th.ratios.find((x: any) => x.mode === m.mode).ratio}** |`,
      );
  }
  if (th.stages) {
    L.push(
      '',
      `Where the sandbox's time goes per item (one more smoke run per pass, ${th.stages.items} items; the sandbox's stage clock, \`GET /api/sandbox/stages\`). Wall time summed over every call of the stage, divided by the items: stages overlap when items run concurrently, so this is the time an item spends in each, not CPU.${th.stages.serverThreadBusy !== undefined ? ` The server's thread was busy ${Math.round(th.stages.serverThreadBusy * 100)}% of the ${th.stages.seconds} s the clock ran (Node's event-loop utilisation${un ? `; ${Math.round(un.stages.serverThreadBusy * 100)}% of ${un.stages.seconds} s with Postgres untuned` : ''}).` : ''}`,
      '',
    );
    if (un) {
      L.push('| stage | calls | ms per item | untuned Postgres: ms per item |', '|---|---|---|---|');
      for (const x of th.stages.perItem)
        L.push(
          `| ${x.stage} | ${x.calls} | ${x.msPerItem} | ${un.stages.perItem.find((u: any) => u.stage === x.stage)?.msPerItem ?? '–'} |`,
        );
    } else {
      L.push('| stage | calls | ms per item |', '|---|---|---|');
      for (const x of th.stages.perItem) L.push(`| ${x.stage} | ${x.calls} | ${x.msPerItem} |`);
    }
  }
  if (th.stages && un) {
    // Goal 4: the two largest stages of the sandbox as it was (untuned), each against the sandbox as it is.
    const top = [...un.stages.perItem].sort((a: any, b: any) => b.msPerItem - a.msPerItem).slice(0, 2);
    const cmp = top.map((u: any) => ({
      stage: u.stage,
      before: u.msPerItem,
      now: th.stages.perItem.find((x: any) => x.stage === u.stage)?.msPerItem ?? 0,
    }));
    const met = cmp.every((c: any) => c.now < c.before);
    L.push(
      '',
      `Goal: the two largest costs reduced. ${cmp.map((c: any) => `${c.stage} ${c.now} vs ${c.before} ms per item (**${r2(c.now / c.before)}×**)`).join('; ')} — goal ${met ? 'met' : 'NOT met'}.`,
    );
  }
  const rs = th.resultStore;
  if (rs) {
    L.push(
      '',
      `What a result-store write costs Postgres: all its processes' CPU per item for the fixture's two large results (the 220 KB request and the 900 KB echoed response as the Rust http tool shapes it, \`data\` and \`body\` both), ${rs.items} items from 8 connections, in the same bench run:`,
      '',
    );
    L.push('| Postgres allocator | table | ms per item |', '|---|---|---|');
    for (const [k, v] of Object.entries(rs.msPerItem)) {
      const [alloc, table] = k.split(', ');
      L.push(
        `| ${alloc.startsWith('glibc') ? 'glibc as it comes' : "the sandbox's thresholds"} | ${table.startsWith('system') ? 'as a system database keeps it (logged, compressed)' : "the sandbox's (unlogged, uncompressed)"} | ${v} |`,
      );
    }
    L.push('', `The sandbox's Postgres against one as it comes: **${rs.ratio}×** the CPU per item.`);
  }
  L.push('', SANDBOX_PROSE, '');
  L.push(
    'Per item the sandbox does far more than the raw script, as NoETL does: three python tool calls in worker processes (the third receives the request and the echoed response, about 1.1 MB of JSON), eight event rows, two result-store writes of the large results (220 KB and 900 KB of JSON; the Rust http result carries the response twice), template rendering, and both modes run at once on the same two cores. The raw script only hashes, POSTs and upserts.',
    '',
  );
  const o = r.observer;
  L.push(
    '',
    '## 4. Observer load',
    '',
    `During the smoke run (${o.seconds} s, both modes): **${o.api_calls_per_second} API calls/s** and **${o.sql_queries_per_second} SQL queries/s** (${o.api_calls} and ${o.sql_queries} in all).`,
    '',
  );
  L.push(
    'One steady-state event poll (cursor at the end of the log), median of 50:',
    '',
    '| events already in the log | API poll ms | SQL poll ms |',
    '|---|---|---|',
  );
  L.push(
    `| 100 | ${o.poll['100'].apiMs} | ${o.poll['100'].sqlMs} |`,
    `| 100,000 | ${o.poll['100000'].apiMs} | ${o.poll['100000'].sqlMs} |`,
    `| ratio | **${o.poll.apiRatio}** | **${o.poll.sqlRatio}** |`,
    '',
  );
  const q = r.live?.quiet;
  if (q) {
    const met = (x: number | null) => (x !== null && x !== undefined && x <= 1 ? 'yes' : 'no');
    L.push(
      `A run where nothing moves for most of its life (4 items per mode, every one waiting 20 s on the echo endpoint; the tool's own tally of the poll rounds that saw nothing move, ${q.quietSeconds} s of ${q.seconds} s):`,
      '',
    );
    L.push(
      '| while quiet, per mode | measured | goal | met |',
      '|---|---|---|---|',
      `| API calls/s | ${q.apiPerSecondPerMode} | at most 1 | ${met(q.apiPerSecondPerMode)} |`,
      `| SQL queries/s | ${q.sqlPerSecondPerMode} | at most 1 | ${met(q.sqlPerSecondPerMode)} |`,
      '',
    );
    L.push(
      "Quiet rounds back off to 2, 4 and 8 times the poll interval (at most 5 s); the first round that sees anything move polls at the interval again (time to verdict in §2 is measured with this backoff on). A chunked mode asks for each open chunk execution's events, so its share is above the average.",
      '',
    );
  }
  L.push(
    o.poll.sqlRatio > 2
      ? "The SQL read (the tool's own query, used where the server has no events route) grew with history: it walked more than its own execution's range (goal: flat, ratio near 1)."
      : "The SQL read (the tool's own query, used where the server has no events route) stays flat: one primary-key range per execution, merged.",
    '',
  );
  if (o.poll.apiRatio > 2)
    L.push(
      "The API figure is the sandbox's own events route (a real server answers it with its own code): it grows with history although its query is a primary-key range; the cause was not found.",
      '',
    );
  if (r.live) L.push(...liveMarkdown(r.live));
  L.push(...observerGoalsMarkdown(r));
  L.push(...engineShareMarkdown(r.engineShare));
  return L.join('\n');
}

/** Which sections were measured again on their own, and when. */
function reruns(r: Record<string, any>): string {
  const again = [
    ['2', r.timeToVerdict?.rerun],
    ['3', r.throughput?.rerun],
    ['5', r.live?.rerun],
    ['6 (start-up, goal 4)', r.live?.startup?.rerun],
    ['7', r.engineShare?.rerun],
  ].filter(([, at]) => at);
  return again.length
    ? `; measured again on their own: ${again.map(([n, at]) => `section ${n} on ${String(at).slice(0, 10)}`).join(', ')}`
    : '';
}

const yes = (ok: boolean) => (ok ? 'yes' : 'no');

/** Section 5: the real tool on real sandbox runs (bench/live.ts). */
function liveMarkdown(v: Record<string, any>): string[] {
  const L: string[] = ['', '## 5. The real tool on real sandbox runs', ''];
  const f = v.fixture;
  const btop = f.tui.btopPercent ?? v.btop?.cpuPercent;
  L.push(
    `Each run starts its own embedded sandbox (the tool's child process); CPU is the tool's process only, over ${f.tui.windowSeconds} s of observation starting ${f.tui.btopPercent !== undefined ? 6 : 3} s after launch${f.tui.btopPercent !== undefined ? ', btop beside it over the same window' : ''}. The run: \`${f.args}\` (3,000 items of 8 KB per mode, 200 ms echo latency, both modes side by side).${v.rerun && !v.earlierPass ? ` Measured again on its own with \`--live-only\` (${v.rerun.slice(0, 16).replace('T', ' ')} UTC), btop beside it in the same pass.` : ''}`,
    '',
  );
  L.push('| figure | measured | peer | ratio | goal | met |', '|---|---|---|---|---|---|');
  if (btop)
    L.push(
      `| the tool with its TUI (tmux 120×40) | ${f.tui.cpuPercent}% | btop ${btop}% | **${r2(f.tui.cpuPercent / btop)}×** | at most 2× btop | ${yes(f.tui.cpuPercent / btop <= 2)} |`,
    );
  else
    L.push(`| the tool with its TUI (tmux 120×40) | ${f.tui.cpuPercent}% | btop skipped | — | at most 2× btop | — |`);
  L.push(
    `| the tool headless (same run) | ${f.headless.cpuPercent}% | ${btop ? `btop ${btop}%` : '—'} | ${btop ? `${r2(f.headless.cpuPercent / btop)}×` : '—'} | — | — |`,
    '',
  );
  const fo = f.tui.observer ?? {};
  L.push(
    `Under the TUI the run drew ${fo.frames} frames at ${fo.frame_ms} ms each (Ink's own render time, max ${fo.frame_ms_max} ms). Headless the tool still reads every event (JSON with lossless ids; JSON.parse where no integer in the body can pass 2^53), writes events.ndjson and counts rows: that part is the observer's, not the screen's.`,
    '',
  );
  const s = v.scale;
  if (s?.big?.observer && s?.small?.observer) {
    const passes: Array<Record<string, any>> = (s.passes ?? [s.big]).filter((p: any) => p.observer);
    const m = s.small.observer;
    const fx = f.tui.observer ?? {};
    const per = passes.map((p) => {
      const b = p.observer;
      return {
        b,
        growth: r2(b.rss_mb_end - b.rss_mb_start),
        pollRatio: r2(b.poll_ms_last / Math.max(0.1, b.poll_ms_first)),
        diffRatio: r2(b.diff_ms / Math.max(0.1, m.diff_ms)),
        frameRatio: fx.frame_ms ? r2(b.frame_ms / fx.frame_ms) : null,
        medianRatio: fx.frame_ms_median && b.frame_ms_median ? r2(b.frame_ms_median / fx.frame_ms_median) : null,
      };
    });
    const met = (ok: boolean[]) =>
      ok.every(Boolean) ? 'yes' : ok.some(Boolean) ? `in ${ok.filter(Boolean).length} of ${ok.length} passes` : 'no';
    const cols = per.map((_, i) => `pass ${i + 1}`);
    L.push(
      `### Scale: ${s.items.toLocaleString('en')} items at 1 KB per mode`,
      '',
      `Both modes side by side with the TUI, ${passes.length} pass${passes.length > 1 ? 'es' : ''} of ${passes.map((p) => `${p.wallSeconds} s`).join(' and ')} (${passes[0].verdicts?.join(', ')}); the figures are the tool's own (summary.json \`observer\`). Command: \`--seed-rows N --payload-kb 1 --batch-size N/40 --max-batches 40\` (the chunked mode covers every item in 40 chunk windows); the 200-item run is the same with N = 200.`,
      '',
    );
    L.push(
      `| figure | ${cols.join(' | ')} | peer | goal | met |`,
      `|---|${cols.map(() => '---|').join('')}---|---|---|`,
    );
    L.push(
      `| RSS growth from the start of observation | ${per.map((x) => `${x.b.rss_mb_start} → ${x.b.rss_mb_end} MB (max ${x.b.rss_mb_max}): **+${x.growth} MB**`).join(' | ')} | — | at most +30 MB | ${met(per.map((x) => x.growth <= 30))} |`,
    );
    L.push(
      `| poll round, last 10 vs first 10 (median) | ${per.map((x) => `${x.b.poll_ms_last} vs ${x.b.poll_ms_first} ms: **${x.pollRatio}×**`).join(' | ')} | — | within 1.5× | ${met(per.map((x) => x.pollRatio <= 1.5))} |`,
    );
    L.push(
      `| final counts and diff (SQL) | ${per.map((x) => `${x.b.diff_ms} ms: **${x.diffRatio}×**`).join(' | ')} | 200 items: ${m.diff_ms} ms | within 5× | ${met(per.map((x) => x.diffRatio <= 5))} |`,
    );
    if (per.every((x) => x.frameRatio !== null))
      L.push(
        `| Ink time per frame (mean) | ${per.map((x) => `${x.b.frame_ms} ms: **${x.frameRatio}×**`).join(' | ')} | fixture run: ${fx.frame_ms} ms | within 1.5× | ${met(per.map((x) => x.frameRatio! <= 1.5))} |`,
      );
    if (per.every((x) => x.medianRatio !== null))
      L.push(
        `| Ink time per frame (median) | ${per.map((x) => `${x.b.frame_ms_median} ms: ${x.medianRatio}×`).join(' | ')} | fixture run: ${fx.frame_ms_median} ms | — | — |`,
      );
    L.push(
      '',
      "Ink's time per frame is wall time on a machine whose two cores the sandbox fills: a frame preempted midway counts its wait. The goal is judged on the mean, as it always was; the median beside it is the typical frame.",
      '',
    );
    const e = v.earlierPass;
    if (e?.scale) {
      const es = e.scale;
      L.push(
        `These goals sit near their bounds and move from run to run. The full bench run of the same day measured section 5 too (${e.note}): the TUI ${e.tuiCpuPercent}% vs btop ${e.btopCpuPercent}% = ${r2(e.tuiCpuPercent / e.btopCpuPercent)}× (met: ${yes(e.tuiCpuPercent / e.btopCpuPercent <= 2)}), headless ${e.headlessCpuPercent}%; at scale RSS +${r2(es.rss_mb_end - es.rss_mb_start)} MB (met: ${yes(es.rss_mb_end - es.rss_mb_start <= 30)}), poll ${r2(es.poll_ms_last / es.poll_ms_first)}× (met: ${yes(es.poll_ms_last / es.poll_ms_first <= 1.5)}), diff ${es.diff_ms} vs ${es.small_diff_ms} ms = ${r2(es.diff_ms / es.small_diff_ms)}× (met: ${yes(es.diff_ms / es.small_diff_ms <= 5)}), frame ${es.frame_ms} vs ${e.fixtureFrameMs} ms = ${r2(es.frame_ms / e.fixtureFrameMs)}× (met: ${yes(es.frame_ms / e.fixtureFrameMs <= 1.5)}).${v.rerun ? ` The table above is the later pass, ${v.rerun}.` : ''}`,
        '',
      );
    }
    L.push(
      "Where the memory goes (measured by hand on 2026-12-03, headless 20,000-item runs, `--trace-gc-verbose` and /proc/<pid>/smaps): the tool sits near 110 MB when observation starts, seconds after launch, and climbs with the first 15–20 s of events to a level it then keeps (150–160 MB, up and down with collections). Most of the climb is V8 growing its young generation under the event rate, from 2 MB to its 32 MB maximum committed, and its old space to 35–40 MB committed around 20–35 MB live; the malloc heap (`[heap]`) stayed at 7–18 MB. So the figure measures the warm-up as much as the run size, and where the start sample falls moves it by ±25 MB: eight headless passes gave +7 to +60 MB. A 60,000-item run held near 150 MB for two minutes before rising to 195 MB late in the run (not explained). Measured earlier (2026-12-01), before the row composer and the batched events.ndjson: under the TUI with Ink alone the malloc heap reached 115 MB; with glibc's trim and mmap thresholds fixed before start a headless run stayed flat. The tool does not set them.",
      '',
    );
    L.push(
      "The final diff at this size is bound by reading every stored row. The counts (one aggregate) and the per-batch counts are read side by side, and the gaps only when the counts show an item missing: ids are the table's primary key, so as many rows as expected from 1 to the expected id are every item (test/client-sources.test.ts counts the queries). Measured by hand on an idle database with 20,000 rows of an execution (2026-12-02, medians of 7): the aggregate 14 ms, the gap read 24 ms, against about 1 ms each at 200 items, where round trips dominate. A covering index would make it cheaper, but the table is the fixture's, in the user's database, where the tool creates nothing.",
      '',
    );
    L.push(
      "Earlier passes: on 2026-12-01 (before the gap read was skipped for complete runs and the sandbox's Postgres was tuned) RSS +40 and +24.2 MB, final diff 8.82× and 4.69×, Ink frame 1.48× and 1.79×, the TUI against btop 1.93× and 2.07×; on 2026-12-02 RSS +50.8 MB. On 2026-12-03, by hand with the row composer (TUI, one run each): RSS −24.5, +14.2 and +22.3 MB, Ink frame 3.51, 2.83 and 2.94 ms.",
      '',
    );
  }
  return L;
}

/** What section 3's figures mean (written from the runs; the figures themselves are above it). */
const SANDBOX_PROSE =
  "What the figures say and what changed (issue 17, goal 4). During a smoke run both cores are about 88% busy (vmstat), and a python worker spends about 4 ms of CPU on a call it holds for about 30 ms: the wait for a python worker, the largest entry, is where items queue for a machine that is full, and it shrinks only when the rest costs less CPU. Six workers instead of three gave the same items/s with every call twice as long. Postgres took about half of the CPU; a perf profile of a whole run put pglz_compress first among all functions on the machine (11% of all samples, compressing about a megabyte per item into the result store), then the kernel faulting in and zeroing fresh pages for each megabyte-sized message a backend received. The sandbox's own Postgres is thrown away when it stops, so its result store is now unlogged and stored uncompressed, and its processes run with larger allocator thresholds (16 MB mmap, 64 MB trim; src/sandbox/embedded-pg.ts, event-log.ts); a `--pg-url` database is left as it is. The table of write costs above is that change alone; the two columns of the tables before it are the sandbox with and without it, in the same bench run: the wait for a python worker and the result-store writes, the two largest entries, both fall, and both modes' items/s rise. On the server's thread: a large result is encoded to JSON once and reused (for the result store, its hash, and the next python call's input, where it was encoded again; src/sandbox/json-bytes.ts), the result store takes jsonb's binary input, python replies are read as bytes, and the echo endpoint runs on a thread of its own. These show in the server's profile (its JSON encoding fell from about 4.5 s to about 1.9 s of a 40 s window) but are in both columns, so the tables do not measure them; across runs of the same hour, before them, three passes of this section with the old sandbox gave a wait for a python worker of 1,508 to 1,793 ms per item (the untuned column holds them and gives about 1,260). Tried and dropped: larger pipes to the workers (Node's stdio pipes are socket pairs, which F_SETPIPE_SZ does not resize), an uncompressed but logged result store (what pglz saved went to WAL), json instead of jsonb (not what a system database has).";
