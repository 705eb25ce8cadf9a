// sweep (and run --repeat N): a grid of settings, each cell repeated, every run an ordinary run with its
// own report folder; live grid on the TUI or one line per finished cell headless; the table, charts and
// recommendation at the end, in report.md/report.html/summary.json; --resume skips finished runs.
import { enforceGuard, judgeTarget } from '../guard.js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RunConfig } from '../config.js';
import { positiveInt } from '../config.js';
import { EXIT, usageError } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import type { RunOutcome } from '../model.js';
import { redact } from '../redact.js';
import { defaultReportDir } from '../render/reports.js';
import { AXES, buildGrid, parseAxes, type AxisKey, type Cell } from '../sweep/grid.js';
import { SweepRunner } from '../sweep/runner.js';
import { cellLine, sweepSummary, sweepText, writeSweepReports } from '../sweep/report.js';
import { loadSweepFile, saveSweepFile, SweepStore, SWEEP_SCHEMA_VERSION, type SweepFile } from '../sweep/state.js';
import { applyColor } from './color.js';
import { loadTui, wantsTui } from './tui.js';
import { buildConfig, type RunOpts } from './run-config.js';

export interface SweepOpts extends RunOpts {
  chunkParallelism?: string;
  workerMaxInFlight?: string;
  parallelCells?: string;
  resume?: string;
}

/** Options that never go into sweep.json: secrets, and what only this invocation decides. */
// --yes is asked for again on a resume: a saved sweep never loads production unasked.
const NOT_SAVED = [
  'sessionToken',
  'pgUrl',
  'dataPgUrl',
  'resume',
  'reportDir',
  'tui',
  'json',
  'color',
  'dryRun',
  'yes',
];

function savedOptions(o: SweepOpts): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && !NOT_SAVED.includes(k)));
}

interface Plan {
  config: RunConfig;
  cells: Cell[];
  parallel: number;
}

function planOf(o: SweepOpts): Plan {
  if (o.watch) throw usageError('--repeat and sweep launch runs; watch observes one execution', 'drop --repeat');
  const axes = parseAxes(o as Partial<Record<AxisKey, string>>);
  // The base config takes one value of each list; the grid crosses the lists.
  const single = Object.fromEntries(AXES.map((a) => [a.key, axes[a.key]?.[0]?.toString()]));
  const config = buildConfig({ ...o, ...single });
  const parallel = o.parallelCells !== undefined ? positiveInt(o.parallelCells, '--parallel-cells', { max: 64 }) : 1;
  return { config, cells: buildGrid(config.params, axes), parallel };
}

function printPlan(p: Plan, dir: string, json: boolean): void {
  const runs = p.cells.length * p.config.repeat;
  if (json)
    return void process.stdout.write(
      JSON.stringify({
        kind: 'sweep-plan',
        dry_run: true,
        report_dir: dir,
        repeat: p.config.repeat,
        parallel_cells: p.parallel,
        cells: p.cells,
      }) + '\n',
    );
  const lines = [
    `noetl-loadrun sweep plan (dry run): ${p.cells.length} cell(s) × ${p.config.repeat} repeat(s) = ${runs} run(s), ${p.parallel} at a time, on ${p.config.target}`,
  ];
  for (const c of p.cells)
    lines.push(
      `  ${c.id}  ${
        Object.entries(c.swept)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '(one setting)'
      }  seed_rows=${c.params.seedRows} payload_kb=${c.params.payloadKb} batch_size=${c.params.batchSize} max_batches=${c.params.maxBatches}`,
    );
  lines.push(`  reports: ${dir}/<cell>/run-<n>/ and ${dir}/summary.json`);
  process.stdout.write(lines.join('\n') + '\n');
}

function newFile(o: SweepOpts, repeat: number): SweepFile {
  return {
    schema_version: SWEEP_SCHEMA_VERSION,
    tool: 'noetl-loadrun',
    kind: 'sweep',
    started_at: new Date().toISOString(),
    options: savedOptions(o),
    repeat,
    runs: {},
  };
}

/** Headless: one line (or one NDJSON record) per cell as it finishes. */
function followHeadless(store: SweepStore, json: boolean): () => void {
  const printed = new Set(
    store
      .snapshot()
      .cells.filter((c) => c.state === 'done')
      .map((c) => c.id),
  );
  return store.subscribe(() => {
    for (const c of store.snapshot().cells) {
      if (c.state !== 'done' || printed.has(c.id)) continue;
      printed.add(c.id);
      process.stdout.write((json ? JSON.stringify({ kind: 'cell', ...c }) : redact(cellLine(c))) + '\n');
    }
  });
}

/** `explicit`: the options given on the command line (not defaults), which win over a resumed sweep's. */
export async function sweepCommand(given: SweepOpts, explicit: string[] = Object.keys(given)): Promise<number> {
  const resumed = given.resume ? loadSweepFile(given.resume) : undefined;
  const now = Object.fromEntries(Object.entries(given).filter(([k, v]) => v !== undefined && explicit.includes(k)));
  const o: SweepOpts = resumed ? { ...given, ...(resumed.options as SweepOpts), ...now } : given;
  const plan = planOf(o);
  const dir = path.resolve(given.resume ?? o.reportDir ?? defaultReportDir().replace(/([^/]+)$/, 'sweep_$1'));
  if (plan.config.dryRun) return (printPlan(plan, dir, Boolean(o.json)), EXIT.OK);
  const guard = await judgeTarget(plan.config, plan.config.prodPattern);
  await enforceGuard(guard, { yes: plan.config.yes, interactive: wantsTui(o) });
  const file = resumed ?? newFile(o, plan.config.repeat);
  try {
    mkdirSync(dir, { recursive: true });
    saveSweepFile(dir, file);
  } catch (err) {
    throw usageError(
      `the sweep folder ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'choose a writable --report-dir',
    );
  }
  const life = new Lifecycle();
  const store = new SweepStore(dir, plan.cells, file, plan.parallel);
  const runner = new SweepRunner(
    store,
    { base: plan.config, parallelCells: plan.parallel, cleanup: Boolean(o.cleanup) },
    life,
  );
  life.whenInterrupted(() => runner.requestStop());
  const resume = runner.resumeLine();
  if (resume) store.log(resume);
  const useTui = wantsTui(o);
  let outcome: RunOutcome;
  if (useTui) {
    applyColor(o.color);
    const { runSweepTui } = await loadTui();
    outcome = await runSweepTui(runner, life);
  } else {
    if (!o.json)
      process.stdout.write(
        [`sweep: ${plan.cells.length} cell(s) × ${file.repeat} repeat(s), reports in ${dir}`, resume]
          .filter(Boolean)
          .join('\n') + '\n',
      );
    const unfollow = followHeadless(store, Boolean(o.json));
    outcome = await runner.run();
    unfollow();
  }
  const cells = store.results();
  writeSweepReports(dir, file, cells, outcome);
  await life.runCleanups();
  process.stdout.write(
    (o.json ? JSON.stringify(sweepSummary(file, cells, outcome)) : redact(sweepText(cells, outcome, dir))) + '\n',
  );
  if (outcome.exitCode === EXIT.USAGE || outcome.exitCode === EXIT.ENVIRONMENT)
    process.stderr.write(`noetl-loadrun: ${redact(outcome.reason)}\n`);
  return outcome.exitCode;
}
