// The main command: validate, then run the orchestrator under the TUI or the headless renderer, write
// the reports on every exit path, and clean up. The TUI (components/) is loaded here and nowhere else.
import path from 'node:path';
import { openInBrowser } from '../open-file.js';
import { loadTui, wantsTui } from './tui.js';
import { enforceGuard, guardLine, judgeTarget, type GuardVerdict } from '../guard.js';
import { payloadFor, type RunConfig } from '../config.js';
import { EXIT } from '../errors.js';
import type { RunOutcome } from '../model.js';
import { Lifecycle } from '../lifecycle.js';
import { expectedRows } from '../diff/missing-items.js';
import { BUNDLED } from '../paths.js';
import { redact } from '../redact.js';
import { startHeadless } from '../render/headless.js';
import { ReportedRun } from '../run/reported-run.js';
import { applyColor } from './color.js';
import { buildConfig, type RunOpts } from './run-config.js';

/** What a dry run would do, as data: printed as text or, with --json, as one JSON object. */
export function planOf(c: RunConfig) {
  const workerPath = c.workerPath ?? BUNDLED.workerPath;
  const parentPath = c.catalogPath ?? BUNDLED.parentPath;
  return {
    target: c.target,
    sandbox: c.target === 'sandbox' ? { dialect: c.sandboxDialect, faults: c.faults } : null,
    server:
      c.target === 'sandbox'
        ? 'started locally on 127.0.0.1 (free port)'
        : c.target === 'local'
          ? `the legacy engine noetl==${c.local!.version} from PyPI (venv under the cache folder), ${c.local!.workers} worker(s), its own NATS and Postgres on 127.0.0.1`
          : c.target === 'cluster'
            ? `kubectl port-forward ${c.kube!.service ?? 'svc/noetl:8082 (else svc/noetl-server-rust)'} in namespace ${c.kube!.namespace}${c.kube!.context ? ` of context ${c.kube!.context}` : ''}`
            : `${c.serverUrl} (from ${c.serverSource})`,
    rows_source: c.pgUrl
      ? `postgres ${redact(c.pgUrl)}`
      : c.target === 'sandbox' || c.target === 'local'
        ? c.target === 'local'
          ? "the local engine's Postgres (direct)"
          : 'the sandbox Postgres (direct)'
        : 'the server query endpoint POST /api/postgres/execute',
    playbooks: c.catalogPath
      ? `catalog ${parentPath} + ${workerPath} (already registered)`
      : `register ${BUNDLED.parentFile} -> ${parentPath}, ${BUNDLED.workerFile} -> ${workerPath}`,
    launch: `${c.modes.join(' + ')} ${c.sequential ? 'one after the other' : 'side by side'}`,
    executions: c.modes.map((m) => ({
      mode: m,
      request: { path: parentPath, payload: payloadFor(m, c.params, workerPath, c.workload) },
      expected_rows: expectedRows(m, c.params),
    })),
    observe: { poll_seconds: c.pollMs / 1000, stall_seconds: c.stallSeconds, timeout_seconds: c.timeoutSeconds },
    report_dir: c.reportDir,
  };
}

function printPlan(c: RunConfig, json: boolean, guard: GuardVerdict): void {
  const p = { ...planOf(c), guard: { asks: guard.signals.length > 0 && !c.yes, signals: guard.signals } };
  if (json) return void process.stdout.write(JSON.stringify({ kind: 'plan', dry_run: true, ...p }) + '\n');
  const sb = p.sandbox
    ? ` (embedded, dialect ${p.sandbox.dialect}${p.sandbox.faults.length ? `, fault emulation: ${p.sandbox.faults.join(', ')}` : ''})`
    : '';
  const lines = [
    'noetl-loadrun plan (dry run: nothing is started or sent)',
    `  target:      ${p.target}${sb}`,
    `  server:      ${p.server}`,
    `  rows source: ${p.rows_source}`,
    `  playbooks:   ${p.playbooks}`,
    `  launch:      ${p.launch}`,
    ...p.executions.map((e) => `  POST /api/execute ${JSON.stringify(e.request)}  -> expect ${e.expected_rows} rows`),
    `  observe:     status + events every ${p.observe.poll_seconds}s, stall after ${p.observe.stall_seconds}s idle, timeout ${p.observe.timeout_seconds}s`,
    `  reports:     ${p.report_dir}`,
    `  guard:       ${c.yes && guard.signals.length ? `--yes given: ${guard.signals.join(', ')} not asked about` : guardLine(guard)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export async function runCommand(o: RunOpts): Promise<number> {
  const config = buildConfig(o);
  // --repeat N: the same setting N times, through the sweep runner (a grid of one cell).
  if (config.repeat > 1) return (await import('./sweep.js')).sweepCommand(o);
  const guard = await judgeTarget(config, config.prodPattern);
  if (config.dryRun) {
    printPlan(config, Boolean(o.json), guard);
    return EXIT.OK;
  }
  const useTui = wantsTui(o);
  await enforceGuard(guard, { yes: config.yes, interactive: useTui });
  const life = new Lifecycle();
  const run = new ReportedRun(config, life);
  const orch = run.orch;
  life.whenInterrupted(() => orch.requestStop('interrupted'));
  if (useTui) {
    applyColor(o.color);
    const { runTui } = await loadTui();
    await runTui(orch, life, {
      recordOutcome: (out) => run.settle(out),
      writeSnapshot: () => (
        run.reports.write(orch.store.snapshot(), { exitCode: -1, reason: 'snapshot while running' }),
        run.reports.dir
      ),
      quietOnFailure: (out) => run.failedBeforeLaunch(out),
    });
  } else {
    const headless = startHeadless(orch.store, { json: Boolean(o.json) });
    await run.run(); // the outcome is recorded before the summary record: --json ends with the summary
    headless.final(run.outcome, run.failedBeforeLaunch());
  }
  await run.finish();
  if (o.cleanup) await run.cleanup((line) => void (!o.json && process.stdout.write(`${line}\n`)));
  await life.runCleanups();
  const outcome = run.outcome;
  closingWords(config, outcome, Boolean(o.json));
  if (o.open && !run.failedBeforeLaunch() && !o.json)
    process.stdout.write(`${openInBrowser(path.join(run.reports.dir, 'report.html'))}\n`);
  return outcome.exitCode;
}

/** The last lines: how to see a stall after a clean demo run, and why a run could not start. */
function closingWords(config: RunConfig, outcome: RunOutcome, json: boolean): void {
  // A clean demo run should not end on "nothing happened": say how to see a stall.
  if (config.target === 'sandbox' && !config.faults.length && !config.watch && outcome.exitCode === EXIT.OK && !json) {
    process.stdout.write(
      'No stall this time. To see the historical one near 100 items: --sandbox-fault loop-stops-after-first-window --stop-on-stall (the Python engine of 2026-02-24..27, emulated; other profiles: --help)\n',
    );
  }
  // A run that could not start or reach its target also says why on stderr, in one line.
  if (outcome.exitCode === EXIT.USAGE || outcome.exitCode === EXIT.ENVIRONMENT)
    process.stderr.write(`noetl-loadrun: ${redact(outcome.reason)}\n`);
}
