// noetl-loadrun's command line: parses and validates input (one-line errors, exit code 2), then runs
// the orchestrator with the TUI or the headless renderer, or the `sandbox` / `diff` commands.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import {
  applyParamOverrides, parseFaults, parsePgForward, readPlaybookFile, SANDBOX_TUNING, sandboxTuningArgs, parseModes, parsePreset, payloadFor, positiveInt, positiveNumber, PRESETS, DEFAULT_PRESET,
  type RunConfig, type Target,
} from './config.js';
import { EXIT, LoadrunError, oneLine, usageError } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { assertId, NoetlClient } from './noetl/client.js';
import { resolveServer, validateUrl } from './noetl/server-url.js';
import { BUNDLED, packageRoot } from './paths.js';
import { redact, registerSecret } from './redact.js';
import { startHeadless } from './render/headless.js';
import { diffLines } from './render/text.js';
import { crossMode, expectedRows, missingPerWindow, rangeCount, type Mode, type ModeDiff } from './report/missing-items.js';
import { defaultReportDir, ReportWriter } from './report/reports.js';
import { Orchestrator } from './run/orchestrator.js';
import { FAULT_DESCRIPTIONS, FAULT_PROFILES } from './sandbox/faults.js';
import { startSandbox } from './sandbox/supervisor.js';
import { DirectRows, EndpointRows, type RowsSource } from './sources/rows.js';

const EXIT_HELP = `
Exit codes:
  0    all modes completed with nothing missing
  1    a run finished but breached: missing items, failures, a stall or the timeout
  2    usage or bad input
  3    environment: server, cluster or database unreachable
  130  interrupted (Ctrl-C / SIGTERM); the report is still written

Presets: ${Object.entries(PRESETS).map(([k, v]) => `${k} (${v.seedRows} rows, ${v.payloadKb} KB, batch ${v.batchSize} x ${v.maxBatches})`).join('; ')}
Sandbox fault profiles (emulation): ${FAULT_PROFILES.join(', ')}`;

interface RunOpts {
  preset?: string;
  seedRows?: string;
  payloadKb?: string;
  batchSize?: string;
  maxBatches?: string;
  modes?: string;
  sequential?: boolean;
  target?: string;
  serverUrl?: string;
  host?: string;
  port?: string;
  sessionToken?: string;
  pgUrl?: string;
  catalogPath?: string;
  workerPath?: string;
  sandboxDialect?: string;
  sandboxFault?: string[];
  allowNetwork?: boolean;
  stallSeconds?: string;
  timeout?: string;
  pollInterval?: string;
  requestTimeout?: string;
  reportDir?: string;
  tui?: boolean;
  json?: boolean;
  cancelOnExit?: boolean;
  dryRun?: boolean;
  context?: string;
  namespace?: string;
  service?: string;
  kubectl?: string;
  kubeconfig?: string;
  pgForward?: string;
  topInterval?: string;
  playbookFile?: string;
  workerFile?: string;
}

function buildConfig(o: RunOpts): RunConfig {
  const preset = parsePreset(o.preset);
  const params = applyParamOverrides(preset.params, o);
  const custom = ['seedRows', 'payloadKb', 'batchSize', 'maxBatches'].some((k) => o[k as keyof RunOpts] !== undefined);
  const serverFlags = Boolean(o.serverUrl || o.host || o.port);
  const kubeFlags = Boolean(o.context || o.namespace || o.service || o.pgForward);
  let target = (o.target ?? (kubeFlags ? 'cluster' : serverFlags ? 'server' : 'sandbox')) as Target;
  if (!['sandbox', 'server', 'cluster'].includes(target)) throw usageError(`--target: unknown target ${JSON.stringify(o.target)}`, 'allowed: sandbox, server, cluster');
  if (target === 'sandbox' && serverFlags) throw usageError('--target sandbox conflicts with --server-url/--host/--port', 'drop one of them');
  if ((o.host && !o.port) || (!o.host && o.port)) throw usageError('--host and --port go together', 'or give --server-url');
  if (o.port) positiveInt(o.port, '--port', { max: 65535 });
  const faults = parseFaults(o.sandboxFault);
  if (faults.length && target !== 'sandbox') throw usageError('--sandbox-fault only applies to the sandbox target', `drop it or use --target sandbox`);
  const sandboxArgs = sandboxTuningArgs(o as Record<string, unknown>);
  if (sandboxArgs.length && target !== 'sandbox') throw usageError(`${sandboxArgs[0]} only applies to the sandbox target`, 'drop it or use --target sandbox');
  if (o.sandboxDialect && !['rust', 'python'].includes(o.sandboxDialect)) throw usageError(`--sandbox-dialect: unknown dialect ${JSON.stringify(o.sandboxDialect)}`, 'allowed: rust, python');
  if (o.workerPath && !o.catalogPath) throw usageError('--worker-path needs --catalog-path', 'give the parent playbook path too');
  if ((o.playbookFile || o.workerFile) && o.catalogPath) throw usageError('--playbook-file/--worker-file conflict with --catalog-path', 'register files, or use what the catalog has, not both');
  if (o.playbookFile) readPlaybookFile(o.playbookFile, '--playbook-file');
  if (o.workerFile) readPlaybookFile(o.workerFile, '--worker-file');
  if (target === 'cluster' && serverFlags) throw usageError('--target cluster conflicts with --server-url/--host/--port', 'the cluster target port-forwards the NoETL service itself; drop the server flags or the kube flags');
  if (target !== 'cluster' && kubeFlags) throw usageError('--context/--namespace/--service/--pg-forward need --target cluster', 'drop them or use --target cluster');
  if (o.pgForward && !o.pgUrl) throw usageError('--pg-forward needs --pg-url for the credentials', 'for example --pg-url postgres://noetl:PASSWORD@localhost/noetl (host and port are replaced by the forward)');
  let kube: RunConfig['kube'];
  if (target === 'cluster') {
    const namespace = o.namespace ?? 'noetl';
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw usageError(`--namespace ${JSON.stringify(namespace)} is not a valid namespace name`);
    kube = {
      bin: o.kubectl ?? 'kubectl',
      context: o.context,
      namespace,
      service: o.service,
      kubeconfig: o.kubeconfig,
      topIntervalMs: Math.round(positiveNumber(o.topInterval ?? '15', '--top-interval', { min: 1, max: 3600 }) * 1000),
      pgForward: o.pgForward ? parsePgForward(o.pgForward, namespace) : undefined,
    };
  }
  if (o.json && o.tui === true && process.argv.includes('--tui')) throw usageError('--json conflicts with the TUI', 'use --json alone (it implies --no-tui)');
  if (o.pgUrl) {
    registerSecret(safePassword(o.pgUrl));
    let u: URL;
    try {
      u = new URL(o.pgUrl);
    } catch {
      throw usageError(`--pg-url ${JSON.stringify(redact(o.pgUrl))} is not a valid URL`, 'expected postgres://user:password@host:port/db');
    }
    if (!/^postgres(ql)?:$/.test(u.protocol)) throw usageError(`--pg-url ${JSON.stringify(redact(o.pgUrl))} must start with postgres://`);
  }
  registerSecret(o.sessionToken);
  registerSecret(process.env.NOETL_SESSION_TOKEN);
  let serverUrl: string | undefined;
  let token: string | undefined;
  let serverSource: string | undefined;
  if (target === 'server') {
    const r = resolveServer({ serverUrl: o.serverUrl, host: o.host, port: o.port, sessionToken: o.sessionToken });
    serverUrl = r.url;
    token = r.token;
    serverSource = r.source;
    registerSecret(token);
  }
  return {
    target,
    serverUrl,
    token,
    serverSource,
    sandboxDialect: (o.sandboxDialect ?? 'rust') as 'rust' | 'python',
    faults,
    sandboxArgs,
    allowNetwork: Boolean(o.allowNetwork),
    modes: parseModes(o.modes),
    sequential: Boolean(o.sequential),
    params,
    preset: custom ? null : preset.name,
    pgUrl: o.pgUrl,
    catalogPath: o.catalogPath,
    workerPath: o.workerPath,
    playbookFile: o.playbookFile,
    workerFile: o.workerFile,
    stallSeconds: positiveNumber(o.stallSeconds ?? '30', '--stall-seconds', { min: 1, max: 86_400 }),
    timeoutSeconds: positiveNumber(o.timeout ?? '1800', '--timeout', { min: 1, max: 7 * 86_400 }),
    pollMs: Math.round(positiveNumber(o.pollInterval ?? '1', '--poll-interval', { min: 0.2, max: 60 }) * 1000),
    requestTimeoutMs: Math.round(positiveNumber(o.requestTimeout ?? '10', '--request-timeout', { min: 0.5, max: 600 }) * 1000),
    reportDir: o.reportDir ?? defaultReportDir(),
    cancelOnExit: Boolean(o.cancelOnExit),
    dryRun: Boolean(o.dryRun),
    kube,
  };
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return /:\/\/[^:/@]+:([^@]*)@/.exec(url)?.[1];
  }
}

function printPlan(c: RunConfig): void {
  const workerPath = c.workerPath ?? BUNDLED.workerPath;
  const parentPath = c.catalogPath ?? BUNDLED.parentPath;
  const lines = [
    'noetl-loadrun plan (dry run: nothing is started or sent)',
    `  target:      ${c.target}${c.target === 'sandbox' ? ` (embedded, dialect ${c.sandboxDialect}${c.faults.length ? `, fault emulation: ${c.faults.join(', ')}` : ''})` : ''}`,
    `  server:      ${c.target === 'sandbox' ? 'started locally on 127.0.0.1 (free port)' : c.target === 'cluster' ? `kubectl port-forward ${c.kube!.service ?? 'svc/noetl:8082 (else svc/noetl-server-rust)'} in namespace ${c.kube!.namespace}${c.kube!.context ? ` of context ${c.kube!.context}` : ''}` : `${c.serverUrl} (from ${c.serverSource})`}`,
    `  rows source: ${c.pgUrl ? `postgres ${redact(c.pgUrl)}` : c.target === 'sandbox' ? 'the sandbox Postgres (direct)' : 'the server query endpoint POST /api/postgres/execute'}`,
    `  playbooks:   ${c.catalogPath ? `catalog ${parentPath} + ${workerPath} (already registered)` : `register ${BUNDLED.parentFile} -> ${parentPath}, ${BUNDLED.workerFile} -> ${workerPath}`}`,
    `  launch:      ${c.modes.join(' + ')} ${c.sequential ? 'one after the other' : 'side by side'}`,
  ];
  for (const m of c.modes) {
    lines.push(`  POST /api/execute {"path": "${parentPath}", "payload": ${JSON.stringify(payloadFor(m, c, workerPath))}}  -> expect ${expectedRows(m, c.params)} rows`);
  }
  lines.push(`  observe:     status + events every ${c.pollMs / 1000}s, stall after ${c.stallSeconds}s idle, timeout ${c.timeoutSeconds}s`);
  lines.push(`  reports:     ${c.reportDir}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function runCommand(o: RunOpts): Promise<number> {
  const config = buildConfig(o);
  if (config.dryRun) {
    printPlan(config);
    return EXIT.OK;
  }
  // The TUI needs a terminal on both ends: keys come from stdin in raw mode.
  const useTui = !o.json && o.tui !== false && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY) && !isCI();
  const life = new Lifecycle();
  const reports = new ReportWriter(config.reportDir);
  const orch = new Orchestrator(config, life);
  reports.attach(orch.store);
  let outcome = { exitCode: EXIT.INTERRUPTED as number, reason: 'interrupted before the end of the run' };
  process.once('exit', () => {
    // Last resort (a forced second Ctrl-C): the report still says what was known.
    if (!reports.hasWritten) {
      try {
        reports.write(orch.store.snapshot(), outcome);
      } catch {
        /* nothing more can be done at exit */
      }
    }
  });
  life.whenInterrupted(() => orch.requestStop('interrupted'));

  if (useTui) {
    const { runTui } = await import('../components/run-tui.js');
    outcome = await runTui(orch, life, {
      writeSnapshot: () => {
        reports.write(orch.store.snapshot(), { exitCode: -1, reason: 'snapshot while running' });
        return reports.dir;
      },
    });
  } else {
    const headless = startHeadless(orch.store, { json: Boolean(o.json) });
    outcome = await orch.run();
    headless.final(outcome);
  }
  reports.write(orch.store.snapshot(), outcome, orch.observerStats());
  await reports.close();
  await life.runCleanups();
  // A run that could not start or reach its target also says why on stderr, in one line.
  if (outcome.exitCode === EXIT.USAGE || outcome.exitCode === EXIT.ENVIRONMENT) process.stderr.write(`noetl-loadrun: ${redact(outcome.reason)}\n`);
  return outcome.exitCode;
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

async function sandboxCommand(o: { dialect?: string; sandboxFault?: string[]; pgUrl?: string; allowNetwork?: boolean; port?: string }): Promise<number> {
  if (o.dialect && !['rust', 'python'].includes(o.dialect)) throw usageError(`--dialect: unknown dialect ${JSON.stringify(o.dialect)}`, 'allowed: rust, python');
  const faults = parseFaults(o.sandboxFault);
  const extraArgs = sandboxTuningArgs(o as Record<string, unknown>);
  const port = o.port ? positiveInt(o.port, '--port', { max: 65535 }) : undefined;
  if (o.pgUrl) registerSecret(safePassword(o.pgUrl));
  const life = new Lifecycle();
  const say = (s: string) => process.stdout.write(redact(s) + '\n');
  const sb = await startSandbox({ dialect: o.dialect as 'rust' | 'python' | undefined, faults, extraArgs, pgUrl: o.pgUrl, allowNetwork: o.allowNetwork, port, onLog: (lvl, m) => say(`${lvl === 'error' ? 'error: ' : ''}[sandbox] ${m}`) });
  registerSecret(safePassword(sb.pgUrl));
  life.add('sandbox', () => sb.stop());
  say(`noetl-loadrun sandbox (dialect ${sb.dialect}) — bound to 127.0.0.1 only`);
  say(`  NoETL API:   ${sb.apiUrl}   (try: curl ${sb.apiUrl}/api/health)`);
  say(`  Postgres:    ${sb.pgUrlMasked}`);
  say(`  echo:        ${sb.echoUrl}   (answers httpbin.org /anything calls)`);
  for (const f of sb.faults) say(`  fault (emulation): ${f} — ${FAULT_DESCRIPTIONS[f as keyof typeof FAULT_DESCRIPTIONS]}`);
  say('  processes:   ' + sb.processes.map((p) => `${p.role} ${p.pid}`).join(', '));
  say('Ctrl-C stops it.');
  const code = await new Promise<number>((resolve) => {
    life.whenInterrupted(() => resolve(EXIT.OK));
    void sb.exited.then((c) => resolve(c === 0 ? EXIT.OK : EXIT.ENVIRONMENT));
  });
  await life.runCleanups();
  return code;
}

async function diffCommand(id: string, o: { vs?: string; serverUrl?: string; host?: string; port?: string; pgUrl?: string; sessionToken?: string; json?: boolean }): Promise<number> {
  assertId(id);
  if (o.vs) assertId(o.vs, '--vs execution id');
  if (o.pgUrl) registerSecret(safePassword(o.pgUrl));
  registerSecret(o.sessionToken);
  let rows: RowsSource;
  let client: NoetlClient | undefined;
  if (o.pgUrl) {
    const d = new DirectRows(o.pgUrl);
    await d.check();
    rows = d;
  } else {
    const r = resolveServer({ serverUrl: o.serverUrl, host: o.host, port: o.port, sessionToken: o.sessionToken });
    client = new NoetlClient({ baseUrl: r.url, token: r.token });
    rows = new EndpointRows(client);
  }
  try {
    const diffs: ModeDiff[] = [];
    for (const execId of [id, ...(o.vs ? [o.vs] : [])]) {
      const w = await rows.workload(execId);
      if (!w) throw new LoadrunError(`execution ${execId} has no start event in noetl.event`, EXIT.USAGE, 'check the id (parent executions of the heavy-payload playbook)');
      const mode: Mode = String(w.execution_mode ?? '').toLowerCase() === 'direct_stress' ? 'direct_stress' : 'chunked_optimal';
      const params = { seedRows: Number(w.seed_rows ?? 240), payloadKb: Number(w.payload_kb_per_item ?? 256), batchSize: Number(w.batch_size ?? 40), maxBatches: Number(w.max_batches ?? 6) };
      const expected = expectedRows(mode, params);
      const stats = await rows.stats(execId);
      const missing = await rows.missingRanges(execId, expected);
      diffs.push({ mode, executionId: execId, expected, stored: stats.storedRows, missingCount: rangeCount(missing), missing, windows: missingPerWindow(missing, params) });
    }
    const cross = diffs.length === 2 ? (diffs[0].mode !== diffs[1].mode ? crossMode(diffs.find((d) => d.mode === 'direct_stress'), diffs.find((d) => d.mode === 'chunked_optimal')) : undefined) : undefined;
    if (o.json) {
      process.stdout.write(JSON.stringify({ diffs, cross_mode: cross ?? null }) + '\n');
    } else {
      const fake = { modes: diffs.map((d) => ({ mode: `${d.mode} ${d.executionId}`, diff: d })), cross: cross ?? null } as unknown as Parameters<typeof diffLines>[0];
      process.stdout.write(diffLines(fake).join('\n') + '\n');
    }
    return diffs.some((d) => d.missingCount > 0) ? EXIT.BREACHED : EXIT.OK;
  } finally {
    await rows.close();
    await client?.close();
  }
}

/** The fault-profile numbers, one option each, on every command that starts a sandbox. */
function withSandboxTuning(cmd: Command): Command {
  for (const t of SANDBOX_TUNING) cmd.addOption(new Option(`--${t.flag} <value>`, t.help));
  return cmd;
}

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
  const program = new Command('noetl-loadrun')
    .description('Run the NoETL heavy-payload fixture in both modes side by side, live: events, pods, row counts, stalls, and the exact diff of missing items.\nWith no server flags it runs everything on the embedded sandbox.')
    .version(pkg.version)
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} })
    .exitOverride();
  program
    .option('--preset <name>', `parameter preset: ${Object.keys(PRESETS).join(', ')}`, DEFAULT_PRESET)
    .option('--seed-rows <n>', 'source rows to seed (overrides the preset)')
    .option('--payload-kb <n>', 'payload size per item in KB, 1..10240')
    .option('--batch-size <n>', 'chunk window size (chunked_optimal)')
    .option('--max-batches <n>', 'number of chunk windows (chunked_optimal)')
    .option('--modes <list>', 'direct_stress, chunked_optimal or both', 'both')
    .option('--sequential', 'run the modes one after the other instead of side by side')
    .option('--target <kind>', 'sandbox (default), server (a NoETL reached by URL), cluster (kubectl: port-forward, top, logs)')
    .option('--server-url <url>', 'NoETL server URL (else --host/--port, NOETL_SERVER_URL, ~/.noetl/config.yaml, http://localhost:8082)')
    .option('--host <host>', 'NoETL server host (with --port)')
    .option('--port <port>', 'NoETL server port (with --host)')
    .option('--session-token <token>', 'gateway session token (or NOETL_SESSION_TOKEN); sent as Authorization and x-session-token')
    .option('--pg-url <url>', 'direct Postgres URL for row counts and events (else the server query endpoint)')
    .option('--context <name>', 'cluster: kube context (default: the current one)')
    .option('-n, --namespace <ns>', 'cluster: NoETL namespace (default noetl)')
    .option('--service <svc>', 'cluster: NoETL service to forward (default svc/noetl:8082, falling back to svc/noetl-server-rust)')
    .option('--kubectl <path>', 'cluster: kubectl binary (default kubectl on PATH)')
    .option('--kubeconfig <file>', 'cluster: kubeconfig file (default KUBECONFIG or ~/.kube/config)')
    .option('--pg-forward <ns/svc/name:port>', 'cluster: also port-forward Postgres (with --pg-url for the credentials)')
    .option('--top-interval <s>', 'cluster: kubectl top poll interval in seconds', '15')
    .option('--catalog-path <path>', 'use this already-registered parent playbook instead of registering the bundled ones')
    .option('--worker-path <path>', 'chunk worker catalog path passed as batch_worker_path (with --catalog-path)')
    .option('--playbook-file <file>', 'register this parent playbook YAML instead of the bundled one')
    .option('--worker-file <file>', 'register this chunk worker YAML instead of the bundled one')
    .option('--sandbox-dialect <dialect>', 'sandbox server dialect: rust (default) or python')
    .addOption(new Option('--sandbox-fault <profile...>', `sandbox fault emulation: ${FAULT_PROFILES.join(', ')}`))
    .option('--allow-network', 'let sandbox http tools reach hosts other than httpbin.org/localhost')

    .option('--stall-seconds <s>', 'no new rows and no new events for this long is a stall', '30')
    .option('--timeout <s>', 'end observation after this many seconds', '1800')
    .option('--poll-interval <s>', 'status/events/rows poll interval in seconds', '1')
    .option('--request-timeout <s>', 'timeout of every HTTP call in seconds', '10')
    .option('--report-dir <dir>', 'where reports go (default ./loadrun-reports/<timestamp>/)')
    .option('--no-tui', 'headless: progress lines, then the summary and diff (automatic without a TTY or with CI set)')
    .option('--json', 'headless NDJSON on stdout (every event, sample and the summary)')
    .option('--cancel-on-exit', 'cancel executions that are still running when the tool stops')
    .option('--dry-run', 'print the plan (URLs, playbooks, payloads) and send nothing')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts: RunOpts) => {
      process.exitCode = await runCommand(opts);
    });
  withSandboxTuning(program);
  const sandbox = program
    .command('sandbox')
    .description('run the embedded sandbox standalone until Ctrl-C (NoETL API, Postgres, echo endpoint on 127.0.0.1)')
    .option('--dialect <dialect>', 'rust (default) or python')
    .addOption(new Option('--sandbox-fault <profile...>', `fault emulation: ${FAULT_PROFILES.join(', ')}`))
    .option('--pg-url <url>', 'use this Postgres instead of the embedded one')
    .option('--port <port>', 'API port (default: a free one)')
    .option('--allow-network', 'let http tools reach outside hosts')
    .action(async (opts) => {
      process.exitCode = await sandboxCommand(opts);
    });
  withSandboxTuning(sandbox);
  program
    .command('diff <execution_id>')
    .description('missing items of a parent execution (and cross-mode with --vs), from Postgres or the query endpoint')
    .option('--vs <execution_id>', 'compare with this execution')
    .option('--server-url <url>', 'NoETL server URL (same resolution as the run)')
    .option('--host <host>', 'NoETL server host')
    .option('--port <port>', 'NoETL server port')
    .option('--session-token <token>', 'gateway session token')
    .option('--pg-url <url>', 'direct Postgres URL')
    .option('--json', 'JSON output')
    .action(async (id: string, opts) => {
      process.exitCode = await diffCommand(id, opts);
    });
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = EXIT.OK;
        return;
      }
      process.stderr.write(`noetl-loadrun: ${err.message.replace(/^error: /, '')} (see --help)\n`);
      process.exitCode = EXIT.USAGE;
      return;
    }
    const code = err instanceof LoadrunError ? err.exitCode : EXIT.ENVIRONMENT;
    process.stderr.write(`noetl-loadrun: ${redact(oneLine(err))}\n`);
    process.exitCode = code;
  }
}
