// The bad-input cases (test/bad-input.test.ts runs those that start something through the real CLI,
// test/bad-options.test.ts the option validation in-process), and the one-line/exit-code check both apply.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { main } from '../../src/cli.js';
import type { CliResult } from './cli.js';
import type { TestSandbox } from './sandbox.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadrun-bad-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const MALFORMED = file(
  'malformed.yaml',
  'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x\n  path: [unclosed\n',
);
const NOT_PLAYBOOK = file(
  'credential.yaml',
  'apiVersion: noetl.io/v2\nkind: Credential\nmetadata:\n  name: pg_k8s\ndata: {}\n',
);
const LIST_YAML = file('list.yaml', '- a\n- b\n');
// A sandbox run's report folder: its rows went with the sandbox's own Postgres.
const SANDBOX_RUN = path.join(tmp, 'sandbox-run');
mkdirSync(SANDBOX_RUN);
writeFileSync(
  path.join(SANDBOX_RUN, 'summary.json'),
  JSON.stringify({ target: { kind: 'sandbox', serverUrl: 'http://127.0.0.1:1' }, modes: [{ execution_id: '1' }] }),
);
const DUCKDB = file(
  'duckdb.yaml',
  'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: t/duck\nworkflow:\n  - step: start\n    tool:\n      kind: duckdb\n      query: select 1\n',
);
const NO_STEP_NAME = file(
  'nostep.yaml',
  'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: t/nostep\nworkflow:\n  - tool:\n      kind: python\n      code: "result = 1"\n',
);
const DEAD_KUBECONFIG = file(
  'kubeconfig',
  'apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster:\n    server: http://127.0.0.1:1\nusers:\n- name: dead\n  user: {}\ncontexts:\n- name: dead\n  context: {cluster: dead, user: dead}\ncurrent-context: dead\n',
);

export type Case = [name: string, args: (sb: TestSandbox) => string[], code: number, message: RegExp];

export const CASES: Case[] = [
  ['zero count', () => ['--seed-rows', '0'], 2, /--seed-rows must be between 1 and/],
  ['negative count', () => ['--seed-rows', '-5'], 2, /--seed-rows must be between 1 and .*got -5/],
  ['non-numeric count', () => ['--seed-rows', 'lots'], 2, /--seed-rows must be a whole number, got "lots"/],
  ['fractional count', () => ['--max-batches', '2.5'], 2, /--max-batches must be a whole number/],
  ['payload size 0', () => ['--payload-kb', '0'], 2, /--payload-kb must be between 1 and 10240/],
  ['payload over 10 MiB', () => ['--payload-kb', '10241'], 2, /--payload-kb must be between 1 and 10240, got 10241/],
  ['batch size 0', () => ['--batch-size', '0'], 2, /--batch-size must be between 1/],
  [
    'unknown mode',
    () => ['--modes', 'turbo'],
    2,
    /--modes: unknown mode "turbo" — allowed: direct_stress, chunked_optimal or both/,
  ],
  [
    'diff with no server at the URL',
    () => ['diff', '583461712347136001', '--server-url', 'http://127.0.0.1:1'],
    3,
    /NoETL server at http:\/\/127\.0\.0\.1:1 is unreachable/,
  ],
  [
    'cleanup of a sandbox run folder',
    () => ['cleanup', SANDBOX_RUN, '--yes'],
    2,
    /is a run on the sandbox: its rows went with its own Postgres/,
  ],
  [
    'check-playbook on a file that is not YAML',
    () => ['check-playbook', MALFORMED],
    2,
    /check-playbook: .*malformed\.yaml is not valid YAML/,
  ],
  [
    'check-playbook on a credential',
    () => ['check-playbook', NOT_PLAYBOOK],
    2,
    /credential\.yaml is not a NoETL playbook \(kind Credential\)/,
  ],
  ['both inside a list', () => ['--modes', 'both,direct'], 2, /--modes: "both" stands alone/],
  [
    'a mode cut short',
    () => ['--modes', 'direct'],
    2,
    /--modes: unknown mode "direct" \(did you mean direct_stress\?\)/,
  ],
  ['a mistyped command', () => ['replya'], 2, /unknown command "replya" \(did you mean replay\?\)/],
  ['help for no command', () => ['help', 'nonexistent'], 2, /help: unknown command "nonexistent"/],
  ['--workers without the local target', () => ['--workers', '3'], 2, /--workers needs --target local/],
  [
    '--noetl-version on the sandbox',
    () => ['--noetl-version', '2.8.4'],
    2,
    /--noetl-version applies to --target local or server, not sandbox/,
  ],
  ['releases: not a release', () => ['releases', '2.8.4,latest'], 2, /releases "latest" is not a release/],
  ['releases: a range backwards', () => ['releases', '2.9.0..2.8.0'], 2, /the range's start must be below its end/],
  [
    'releases: --bisect on nothing known',
    () => ['releases', '2.8.0..2.9.0', '--bisect', 'speed'],
    2,
    /--bisect "speed": not a behaviour/,
  ],
  ['releases on a cluster', () => ['releases', '2.8.4', '--target', 'cluster'], 2, /releases runs on --target local/],
  ['--child-timeout that is no duration', () => ['--child-timeout', 'soon'], 2, /--child-timeout/],
  [
    'check-playbook --noetl-version for the Rust engine',
    () => ['check-playbook', '--noetl-version', '2.8.4', NOT_PLAYBOOK],
    2,
    /--noetl-version is a release of the legacy Python engine/,
  ],
  [
    'a release before the pair parses',
    () => ['--target', 'local', '--noetl-version', '2.7.0'],
    2,
    /before 2\.8\.0 cannot parse/,
  ],
  ['the Rust CLI as the local engine', () => ['--target', 'local', '--noetl-version', '5.1.0'], 2, /Rust CLI/],
  [
    'a server URL on the local target',
    () => ['--target', 'local', '--server-url', 'http://x:1'],
    2,
    /--target local conflicts with --server-url/,
  ],
  [
    '--engine-processes off the server target',
    () => ['--engine-processes', '/nonexistent.json'],
    2,
    /--engine-processes applies to a server/,
  ],
  [
    'unknown preset',
    () => ['--preset', 'huge'],
    2,
    /--preset: unknown preset "huge" — allowed: smoke, stress, fixture/,
  ],
  [
    'unknown fault profile',
    () => ['--sandbox-fault', 'meteor'],
    2,
    /--sandbox-fault: unknown profile "meteor" — allowed: http-errors/,
  ],
  [
    'legacy-loop-state on the rust dialect',
    () => ['--sandbox-fault', 'legacy-loop-state', '--sandbox-dialect', 'rust'],
    2,
    /legacy-loop-state emulates the legacy Python engine and cannot run with --sandbox-dialect rust — drop --sandbox-dialect/,
  ],
  ['unknown sandbox dialect', () => ['--sandbox-dialect', 'perl'], 2, /--sandbox-dialect: unknown dialect "perl"/],
  [
    'conflicting target and server flags',
    () => ['--target', 'sandbox', '--server-url', 'http://127.0.0.1:8082'],
    2,
    /--target sandbox conflicts with --server-url/,
  ],
  [
    'conflicting cluster and server flags',
    () => ['-n', 'noetl', '--server-url', 'http://127.0.0.1:8082'],
    2,
    /--target cluster conflicts with --server-url/,
  ],
  [
    'fault on a non-sandbox target',
    () => ['--server-url', 'http://127.0.0.1:1', '--sandbox-fault', 'latency'],
    2,
    /--sandbox-fault only applies to the sandbox target/,
  ],
  ['worker path without catalog path', () => ['--worker-path', 'a/b'], 2, /--worker-path needs --catalog-path/],
  ['host without port', () => ['--host', 'localhost'], 2, /--host and --port go together/],
  ['malformed URL', () => ['--server-url', 'not a url'], 2, /--server-url "not a url" is not a valid URL/],
  [
    'URL with a wrong scheme',
    () => ['--server-url', 'ftp://127.0.0.1:8082'],
    2,
    /--server-url "ftp:\/\/127.0.0.1:8082" must use http or https/,
  ],
  [
    'unreachable host',
    () => ['--server-url', 'http://127.0.0.1:1', '--request-timeout', '1'],
    3,
    /NoETL server at http:\/\/127.0.0.1:1 is unreachable: .*connection refused/,
  ],
  [
    'invalid --pg-url',
    () => ['--pg-url', 'mysql://u:p@h/db'],
    2,
    /--pg-url "mysql:\/\/u:\*\*\*\*@h\/db" must start with postgres:\/\//,
  ],
  ['unparsable --pg-url', () => ['--pg-url', 'postgres://u:p@[bad'], 2, /--pg-url .* is not a valid URL/],
  [
    'fault rate out of range',
    () => ['--sandbox-fault', 'http-errors', '--http-error-rate', '2'],
    2,
    /--http-error-rate must be between 0 and 1, got 2/,
  ],
  [
    'fault number on a non-sandbox target',
    () => ['--server-url', 'http://127.0.0.1:1', '--latency-ms', '100'],
    2,
    /--latency-ms only applies to the sandbox target/,
  ],
  ['zero stall seconds', () => ['--stall-seconds', '0'], 2, /--stall-seconds must be between 1 and/],
  ['non-numeric timeout', () => ['--timeout', 'soon'], 2, /--timeout must be a number, got "soon"/],
  ['zero poll interval', () => ['--poll-interval', '0'], 2, /--poll-interval must be between 0.2 and 60/],
  ['unknown option', () => ['--frobnicate'], 2, /unknown option '--frobnicate'/],
  [
    'report directory that cannot be written',
    () => ['--report-dir', '/proc/loadrun-reports'],
    2,
    /--report-dir "\/proc\/loadrun-reports" cannot be written/,
  ],
  [
    'unknown kube context',
    () => ['--target', 'cluster', '--kubeconfig', DEAD_KUBECONFIG, '--context', 'staging-eu'],
    2,
    /kube context: context "staging-eu" does not exist — known contexts: dead/,
  ],
  [
    'missing kubectl',
    () => ['--target', 'cluster', '--kubectl', '/nonexistent/kubectl'],
    3,
    /kubectl on PATH: \/nonexistent\/kubectl not found on PATH — install kubectl or pass --kubectl PATH/,
  ],
  ['invalid namespace', () => ['-n', 'Bad_NS'], 2, /--namespace "Bad_NS" is not a valid namespace name/],
  [
    'malformed --pg-forward',
    () => ['--pg-forward', 'postgres:5432', '--pg-url', 'postgres://u@h/db'],
    2,
    /--pg-forward "postgres:5432" is not NAMESPACE\/svc\/NAME:PORT/,
  ],
  [
    '--pg-forward without credentials',
    () => ['--pg-forward', 'postgres/svc/postgres:5432'],
    2,
    /--pg-forward needs --pg-url/,
  ],
  [
    'unknown catalog path',
    (sb) => ['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--catalog-path', 'no/such/playbook'],
    2,
    /catalog path "no\/such\/playbook" is not registered on http:\/\/127.0.0.1:\d+ — register it first/,
  ],
  [
    'missing playbook file',
    () => ['--playbook-file', path.join(tmp, 'nope.yaml')],
    2,
    /--playbook-file .*nope.yaml cannot be read \(ENOENT\)/,
  ],
  ['malformed YAML', () => ['--playbook-file', MALFORMED], 2, /--playbook-file .*malformed.yaml is not valid YAML: /],
  [
    'a YAML that is not a playbook',
    () => ['--playbook-file', NOT_PLAYBOOK],
    2,
    /--playbook-file .*credential.yaml is not a NoETL playbook \(kind Credential\)/,
  ],
  ['a YAML that is a list', () => ['--worker-file', LIST_YAML], 2, /--worker-file .*list.yaml is not a NoETL playbook/],
  // The Rust server registers any YAML with metadata and parses the playbook at execute (noetl/server
  // src/services/catalog.rs, src/handlers/execute.rs: AppError::Validation, 422).
  [
    'a tool kind the sandbox does not support',
    (sb) => ['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--playbook-file', DUCKDB],
    2,
    /execute [\w/]+: HTTP 422 unsupported DSL feature: tool kind 'duckdb' \(the sandbox runs python, http, postgres, playbook\) at step 'start' tool.* — the server refused the playbook or the request as invalid/,
  ],
  // A document serde cannot read as a playbook is AppError::Parse, 400 (noetl/server
  // src/playbook/parser.rs parse_playbook, src/error.rs).
  [
    'a step without a name',
    (sb) => ['--server-url', sb.apiUrl, '--pg-url', sb.pgUrl, '--playbook-file', NO_STEP_NAME],
    2,
    /execute t\/nostep: HTTP 400 workflow\[0\]: a step needs a 'step' name — the server could not read the playbook/,
  ],
  [
    'non-numeric execution id',
    () => ['diff', "12'; DROP TABLE x"],
    2,
    /execution id "12'; DROP TABLE x" is not a number/,
  ],
  ['non-numeric --vs id', () => ['diff', '123', '--vs', 'abc'], 2, /--vs execution id "abc" is not a number/],
];

/**
 * The cases that start something (a connection, kubectl, a sandbox run, the report folder) run the real
 * CLI as a child process; these and one plain validation case hold the one-line/exit-code contract end to
 * end. The others are option validation and run in this process, through the same main() with --dry-run
 * added (a case that passed validation would print a plan and exit 0, and fail here, sending nothing).
 */
export const SPAWNED = new Set([
  'zero count',
  'unreachable host',
  'report directory that cannot be written',
  'unknown kube context',
  'missing kubectl',
  'unknown catalog path',
  'a tool kind the sandbox does not support',
  'a step without a name',
]);

/** main() in this process, its output captured and its exit code read back. */
export async function inProcess(args: string[]): Promise<CliResult> {
  const out = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const ci = process.env.CI;
  process.env.CI = 'true';
  process.exitCode = undefined;
  process.stdout.write = ((c: string | Uint8Array) => ((out.stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((out.stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    await main(['node', 'noetl-loadrun', ...(args[0] === 'diff' ? args : ['--dry-run', ...args])]);
  } finally {
    Object.assign(process.stdout, { write: writes.stdout });
    Object.assign(process.stderr, { write: writes.stderr });
    process.env.CI = ci;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, ...out };
}

export function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expect(r.stdout).not.toMatch(/Missing items|stored\/expected|phase preflight/); // no results table, no phases
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(/^noetl-loadrun: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.code).toBe(code);
}
