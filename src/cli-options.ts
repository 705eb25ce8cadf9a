// The command line's option tables and help texts, grouped as --help shows them; cli.ts wires them to
// the commands.
import { Command, Option } from 'commander';
import { DEFAULT_PRESET, PRESETS } from './config.js';
import { SANDBOX_TUNING, tuningHelp } from './sandbox-options.js';
import { BREACHES } from './model.js';
import { DB_ROUTES, FAULT_PROFILES } from './sandbox/faults.js';

export const EXIT_HELP = `
Examples:
  noetl-loadrun                                   both modes side by side on the embedded sandbox
  noetl-loadrun --sandbox-fault loop-stops-after-first-window --stop-on-stall
                                                  the historical stall near 100 items (emulated) and its missing items
  noetl-loadrun --server-url http://localhost:8082 --pg-url postgres://noetl:PW@localhost:5432/noetl
  noetl-loadrun --target cluster --context kind-noetl --timeout 30m
  noetl-loadrun diff 583461712347136001 --vs 583461712347136002 --pg-url postgres://...
  noetl-loadrun --dry-run --json                  the plan as JSON, nothing sent
  noetl-loadrun sweep --batch-size 20,40 --worker-max-in-flight 5,15 --repeat 3
                                                  which settings do not stall, and how often (help sweep)

Exit codes:
  0    all modes completed with nothing missing
  1    a run finished but breached: missing items, failures, a stall or the timeout
  2    usage or bad input
  3    environment: server, cluster or database unreachable
  130  interrupted (Ctrl-C / SIGTERM); the report is still written
  --fail-on stall,missing,failures,timeout (default all) chooses which breaches give 1; --max-duration
  makes a run that took longer a timeout breach. A sweep or --repeat exits 1 when any of its runs did.

Durations (--timeout, --stall-seconds, --poll-interval, --request-timeout, --tail-window, --top-interval) take seconds
or a unit: 30s, 5m, 1h.
Presets: ${Object.entries(PRESETS)
  .map(([k, v]) => `${k} (${v.seedRows} rows, ${v.payloadKb} KB, batch ${v.batchSize} x ${v.maxBatches})`)
  .join('; ')}
Sandbox fault profiles (emulation): ${FAULT_PROFILES.join(', ')}`;

export const SWEEP_HELP = `
--seed-rows, --payload-kb, --batch-size, --max-batches, --chunk-parallelism and --worker-max-in-flight take
comma lists; the grid is every combination. Each run keeps its own report folder under <dir>/<cell>/run-<n>/.
The recommended cell has the highest median rows/s among cells whose every repeat completed with nothing
missing. Exit code: 1 when any run breached --fail-on, 130 when interrupted (resume with --resume <dir>).

Examples:
  noetl-loadrun sweep --batch-size 20,40,60 --worker-max-in-flight 5,15 --repeat 3 --modes chunked_optimal
  noetl-loadrun sweep --resume loadrun-reports/sweep_2026-11-28_10-00-00`;

export type Opt = [flags: string, help: string, defaultValue?: string];

export function group(cmd: Command, heading: string, opts: Array<Opt | Option>): void {
  for (const o of opts)
    cmd.addOption((o instanceof Option ? o : new Option(o[0], o[1]).default(o[2])).helpGroup(heading));
}

/** The query-endpoint policy and the fault-profile numbers, on every command that starts a sandbox. */
export function sandboxTuning(): Option[] {
  const routes = new Option(
    '--sandbox-db-routes <policy>',
    `what the sandbox's query endpoint allows: ${DB_ROUTES.join(', ')} (default open)`,
  );
  return [routes, ...SANDBOX_TUNING.map((t) => new Option(`--${t.flag} <value>`, tuningHelp(t)))];
}

export const SERVER_OPTS: Opt[] = [
  [
    '--server-url <url>',
    'NoETL server URL (else --host/--port, the current context of ~/.noetl/config.yaml, http://localhost:8082; as the noetl CLI, no environment variable)',
  ],
  ['--host <host>', 'NoETL server host (with --port)'],
  ['--port <port>', 'NoETL server port (with --host)'],
  [
    '--session-token <token>',
    'gateway session token (or NOETL_SESSION_TOKEN); sent as Authorization and x-session-token',
  ],
  [
    '--gateway',
    'reach NoETL through its gateway: /noetl/... paths with the session token (also NOETL_USE_GATEWAY, or a gateway. URL)',
  ],
  [
    '--pg-url <url>',
    'the NoETL system database (noetl.event), direct (else the server query endpoint, where its policy allows)',
  ],
  [
    '--data-pg-url <url>',
    "the database with the fixture's tables (else the pg_k8s credential from GET /api/credentials)",
  ],
];

const RUN_OPTS = (): Array<Opt | Option> => [
  ['--preset <name>', `parameter preset: ${Object.keys(PRESETS).join(', ')}`, DEFAULT_PRESET],
  ['--seed-rows <n>', 'source rows to seed (overrides the preset)'],
  ['--payload-kb <n>', 'payload size per item in KB, 1..10240'],
  ['--batch-size <n>', 'chunk window size (chunked_optimal)'],
  ['--max-batches <n>', 'number of chunk windows (chunked_optimal)'],
  [
    '--details-url <url>',
    "the fixture's details_api_url, where each item's http step posts (default: the playbook's, httpbin.org/anything, which the sandbox answers itself; a cluster needs one it can reach)",
  ],
  ['--pg-auth <name>', "the credential the playbooks' postgres steps use (the fixture's pg_auth; default pg_k8s)"],
  ['--modes <list>', 'direct_stress, chunked_optimal or both', 'both'],
  ['--sequential', 'run the modes one after the other instead of side by side'],
  ['--stall-seconds <d>', 'no new rows and no new events for this long is a stall', '30'],
  ['--timeout <d>', 'end observation after this long', '1800'],
  [
    '--stop-on-stall',
    'end a mode at its first stall (default: a stall is an episode; observation goes on until the executions end or --timeout)',
  ],
  [
    '--child-timeout <d>',
    "the chunk loop's playbook-tool timeout (the fixture's run_batch_workers, 1200 s), e.g. to shorten a child/parent wait in a demo",
  ],
  ['--cancel-on-exit', 'cancel executions that are still running when the tool stops'],
  ['--cleanup', "after the report is written, delete this run's rows from the fixture's tables"],
  [
    '--repeat <n>',
    'run the same setting n times: each run its own report, then the stall-rate table (as a sweep of one cell)',
  ],
  ['--fail-on <list>', `which breaches make exit code 1: ${BREACHES.join(',')} (default all), or none`],
  ['--max-duration <d>', 'a run longer than this (launch to end) is a timeout breach'],
];

const TARGET_OPTS = (): Array<Opt | Option> => [
  [
    '--target <kind>',
    'sandbox (default), local (the real legacy engine from PyPI, started for the run), server (a NoETL reached by URL), cluster (kubectl: port-forward, top, logs)',
  ],
  [
    '--noetl-version <x.y.z>',
    "local: the PyPI release of the legacy engine (default 4.26.0; 5.x is the Rust CLI); server: the release at --server-url, for the playbooks' form (the legacy server does not say its own)",
  ],
  ['--workers <n>', 'local: how many Python workers (default 2)'],
  [
    '--prod-pattern <regex>',
    'a kube context, namespace or server URL matching this looks like production: a headless run refuses it without --yes, the TUI asks for its name typed back',
    'prod|production|live',
  ],
  ['--yes', 'load a target that looks like production without asking'],
  ...SERVER_OPTS,
  ['--context <name>', 'cluster: kube context (default: the current one)'],
  ['-n, --namespace <ns>', 'cluster: NoETL namespace (default noetl)'],
  [
    '--service <svc>',
    'cluster: NoETL service to forward (default svc/noetl:8082, falling back to svc/noetl-server-rust)',
  ],
  [
    '-l, --selector <labels>',
    'cluster: label selector of the server pods (default: app=noetl-server-rust-embedded, then older names)',
  ],
  [
    '--worker-selector <labels>',
    'cluster: label selector of the worker pods (default: component=worker, then older names)',
  ],
  [
    '--engine-processes <file>',
    "server: a local engine's processes to sample as pods (CPU, memory, py-spy), as local-noetl writes them in processes.json",
  ],
  new Option(
    '--log-file <file...>',
    "server: server and worker log files on this machine to follow (e.g. local-noetl's), for the logs panel and the diagnosis",
  ),
  ['--kubectl <path>', 'cluster: kubectl binary (default kubectl on PATH)'],
  ['--kubeconfig <file>', 'cluster: kubeconfig file (default KUBECONFIG or ~/.kube/config)'],
  [
    '--pg-forward <ns/svc/name:port>',
    'cluster: the Postgres service to port-forward (default: the host of the credential or URL, when cluster-internal)',
  ],
  ['--top-interval <d>', 'cluster: kubectl top poll interval', '15'],
  ['--catalog-path <path>', 'use this already-registered parent playbook instead of registering the bundled ones'],
  ['--worker-path <path>', 'chunk worker catalog path passed as batch_worker_path (with --catalog-path)'],
  ['--playbook-file <file>', 'register this parent playbook YAML instead of the bundled one'],
  ['--worker-file <file>', 'register this chunk worker YAML instead of the bundled one'],
];

const SANDBOX_OPTS = (): Array<Opt | Option> => [
  ['--sandbox-dialect <dialect>', 'sandbox server dialect: rust (default) or python'],
  new Option('--sandbox-fault <profile...>', `sandbox fault emulation: ${FAULT_PROFILES.join(', ')}`),
  ['--allow-network', 'let sandbox http tools reach hosts other than httpbin.org/localhost'],
];

const OUTPUT_OPTS = (): Array<Opt | Option> => [
  ['--report-dir <dir>', 'where reports go (default ./loadrun-reports/<timestamp>/)'],
  ['--no-tui', 'headless: progress lines, then the summary and diff (automatic without a TTY or with CI set)'],
  ['--no-color', 'no colours on screen (also NO_COLOR; FORCE_COLOR=1..3 forces them)'],
  ['--json', 'headless NDJSON on stdout (every event, sample and the summary); with --dry-run the plan as JSON'],
  ['--dry-run', 'print the plan (URLs, playbooks, payloads) and send nothing'],
  ['--open', 'open report.html in the browser at the end (where there is a display; else print its path)'],
];

const ADVANCED_OPTS = (): Array<Opt | Option> => [
  [
    '--poll-interval <d>',
    "events/rows poll interval (a mode's /status: when its events stand still, else every 15 s)",
    '1',
  ],
  ['--request-timeout <d>', 'timeout of every HTTP call', '10'],
  new Option(
    '--tail-window <d>',
    'how long an event may commit below one already read: re-read that far back, and read an ended execution that long (default 5s)',
  ).env('NOETL_LOADRUN_TAIL_WINDOW'),
  ...sandboxTuning(),
];

/** The options of a run, on the main command, watch and sweep. */
export function runOptions(program: Command): void {
  group(program, 'Run:', RUN_OPTS());
  group(program, 'Target:', TARGET_OPTS());
  group(program, 'Sandbox:', SANDBOX_OPTS());
  group(program, 'Output:', OUTPUT_OPTS());
  group(program, 'Advanced:', ADVANCED_OPTS());
}
