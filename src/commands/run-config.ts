// From parsed run options to a validated RunConfig: the workload, durations, reports and thresholds; the
// target's part is in target-config.ts. Every bad value is one line naming the input (exit code 2).
import { DEFAULT_PROD_PATTERN, prodRegex } from '../guard.js';
import {
  applyParamOverrides,
  parseDuration,
  parseFailOn,
  parseFaults,
  parseModes,
  parsePreset,
  positiveInt,
  type FixtureWorkload,
  type RunConfig,
} from '../config.js';
import { readPlaybookFile } from '../playbooks.js';
import { legacyDialect, sandboxTuningArgs } from '../sandbox-options.js';
import { usageError } from '../errors.js';
import { DIALECTS, type Dialect, type TargetKind } from '../model.js';
import { registerSecret } from '../redact.js';
import { parsePgUrl } from '../sources/pg-url.js';
import type { RunOpts } from './run-opts.js';
import { engineProcessesOf, kubeOf, localOf, logFilesOf, releaseOf, serverOf, targetOf } from './target-config.js';
import { defaultReportDir } from '../render/reports.js';

export type { RunOpts };

/** The password inside a URL, for the secret registry (never printed). */
export function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return /:\/\/[^:/@]+:([^@]*)@/.exec(url)?.[1];
  }
}

export function parseDialect(raw: string | undefined, flag: string): Dialect | undefined {
  if (raw !== undefined && !DIALECTS.includes(raw as Dialect))
    throw usageError(`${flag}: unknown dialect ${JSON.stringify(raw)}`, `allowed: ${DIALECTS.join(', ')}`);
  return raw as Dialect | undefined;
}

/** Flags that only fit some targets or go in pairs. */
function checkCombinations(o: RunOpts, target: TargetKind, faults: string[], sandboxArgs: string[]): void {
  if (faults.length && target !== 'sandbox')
    throw usageError('--sandbox-fault only applies to the sandbox target', 'drop it or use --target sandbox');
  if (sandboxArgs.length && target !== 'sandbox')
    throw usageError(`${sandboxArgs[0]} only applies to the sandbox target`, 'drop it or use --target sandbox');
  if (o.workerPath && !o.catalogPath)
    throw usageError('--worker-path needs --catalog-path', 'give the parent playbook path too');
  if ((o.playbookFile || o.workerFile) && o.catalogPath)
    throw usageError(
      '--playbook-file/--worker-file conflict with --catalog-path',
      'register files, or use what the catalog has, not both',
    );
  if (o.playbookFile) readPlaybookFile(o.playbookFile, '--playbook-file');
  if (o.workerFile) readPlaybookFile(o.workerFile, '--worker-file');
  if (o.pgForward && !o.pgUrl && !o.dataPgUrl)
    throw usageError(
      '--pg-forward needs --pg-url or --data-pg-url for the credentials',
      'without it the data database comes from the pg_k8s credential and is forwarded by itself',
    );
  if (o.json && o.tui === true && process.argv.includes('--tui'))
    throw usageError('--json conflicts with the TUI', 'use --json alone (it implies --no-tui)');
}

/** --pg-url checked and its password registered as a secret. */
export function checkPgUrl(pgUrl: string | undefined, flag = '--pg-url'): void {
  if (!pgUrl) return;
  registerSecret(urlPassword(pgUrl));
  parsePgUrl(pgUrl, flag);
}

/** --details-url and --pg-auth, checked. */
function workloadOf(o: RunOpts): FixtureWorkload {
  if (o.detailsUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(o.detailsUrl);
    } catch {
      u = undefined;
    }
    if (!u || !['http:', 'https:'].includes(u.protocol))
      throw usageError(
        `--details-url ${JSON.stringify(o.detailsUrl)} is not an http(s) URL`,
        'e.g. http://echo.default.svc:8080/anything',
      );
  }
  if (o.pgAuth !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(o.pgAuth))
    throw usageError(
      `--pg-auth ${JSON.stringify(o.pgAuth)} is not a credential name`,
      'letters, digits, _ . - (e.g. pg_k8s)',
    );
  return { detailsUrl: o.detailsUrl, pgAuth: o.pgAuth };
}

/** How the modes are observed: the stall threshold, what a stall does, the timeout and the poll interval. */
function observationOf(o: RunOpts): Pick<RunConfig, 'stallSeconds' | 'stopOnStall' | 'timeoutSeconds' | 'pollMs'> {
  return {
    stallSeconds: parseDuration(o.stallSeconds ?? '30', '--stall-seconds', { min: 1, max: 86_400 }),
    stopOnStall: Boolean(o.stopOnStall),
    timeoutSeconds: parseDuration(o.timeout ?? '1800', '--timeout', { min: 1, max: 7 * 86_400 }),
    pollMs: Math.round(parseDuration(o.pollInterval ?? '1', '--poll-interval', { min: 0.2, max: 60 }) * 1000),
  };
}

/** The local engine, the engine's release where known, and --child-timeout. */
function engineOf(o: RunOpts, target: TargetKind): Pick<RunConfig, 'local' | 'release' | 'childTimeoutSeconds'> {
  const local = target === 'local' ? localOf(o) : undefined;
  if (o.childTimeout !== undefined && o.catalogPath)
    throw usageError('--child-timeout conflicts with --catalog-path', 'it rewrites the playbook the run registers');
  return {
    local,
    release: releaseOf(o, target, local),
    childTimeoutSeconds:
      o.childTimeout !== undefined
        ? Math.round(parseDuration(o.childTimeout, '--child-timeout', { min: 1, max: 86_400 }))
        : undefined,
  };
}

export function buildConfig(o: RunOpts): RunConfig {
  const preset = parsePreset(o.preset);
  const params = applyParamOverrides(preset.params, o);
  const custom = ['seedRows', 'payloadKb', 'batchSize', 'maxBatches'].some((k) => o[k as keyof RunOpts] !== undefined);
  const target = targetOf(o);
  const faults = parseFaults(o.sandboxFault);
  const sandboxArgs = sandboxTuningArgs(o as Record<string, unknown>);
  const sandboxDialect = legacyDialect(
    faults,
    parseDialect(o.sandboxDialect, '--sandbox-dialect'),
    '--sandbox-dialect',
  );
  checkCombinations(o, target, faults, sandboxArgs);
  checkPgUrl(o.pgUrl);
  checkPgUrl(o.dataPgUrl, '--data-pg-url');
  return {
    target,
    ...serverOf(o, target),
    sandboxDialect,
    faults,
    sandboxArgs,
    allowNetwork: Boolean(o.allowNetwork),
    modes: parseModes(o.modes),
    sequential: Boolean(o.sequential),
    params,
    preset: custom ? null : preset.name,
    workload: workloadOf(o),
    logFiles: logFilesOf(o.logFile),
    engineProcesses: engineProcessesOf(o.engineProcesses, target),
    pgUrl: o.pgUrl,
    dataPgUrl: o.dataPgUrl,
    catalogPath: o.catalogPath,
    workerPath: o.workerPath,
    playbookFile: o.playbookFile,
    workerFile: o.workerFile,
    ...observationOf(o),
    tailWindowMs: Math.round(parseDuration(o.tailWindow ?? '5', '--tail-window', { min: 0.2, max: 600 }) * 1000),
    requestTimeoutMs: Math.round(
      parseDuration(o.requestTimeout ?? '10', '--request-timeout', { min: 0.5, max: 600 }) * 1000,
    ),
    reportDir: o.reportDir ?? defaultReportDir(),
    cancelOnExit: Boolean(o.cancelOnExit),
    thresholds: {
      failOn: parseFailOn(o.failOn),
      maxDurationSeconds:
        o.maxDuration !== undefined
          ? parseDuration(o.maxDuration, '--max-duration', { min: 0.001, max: 7 * 86_400 })
          : undefined,
    },
    repeat: o.repeat !== undefined ? positiveInt(o.repeat, '--repeat', { max: 1000 }) : 1,
    dryRun: Boolean(o.dryRun),
    yes: Boolean(o.yes),
    prodPattern: prodRegex(o.prodPattern ?? DEFAULT_PROD_PATTERN).source,
    kube: target === 'cluster' ? kubeOf(o) : undefined,
    ...engineOf(o, target),
    watch: o.watch,
  };
}
