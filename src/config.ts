// Run parameters, presets and their validation: every bad value gets one line naming the input and what
// is allowed (exit code 2).
import ms from 'ms';
import { closest, usageError } from './errors.js';
import {
  BREACHES,
  MODES,
  type Breach,
  type Dialect,
  type Mode,
  type RunParams,
  type TargetKind,
  type Thresholds,
} from './model.js';
import type { PlaybookPair } from './playbooks.js';
import { FAULT_PROFILES } from './sandbox/faults.js';

export const PRESETS: Record<string, RunParams & { note: string }> = {
  smoke: { seedRows: 120, payloadKb: 220, batchSize: 30, maxBatches: 4, note: 'the fixture README smoke run' },
  stress: { seedRows: 220, payloadKb: 256, batchSize: 40, maxBatches: 6, note: 'the fixture README stress run' },
  fixture: { seedRows: 240, payloadKb: 256, batchSize: 40, maxBatches: 6, note: 'the playbook workload defaults' },
};
export const DEFAULT_PRESET = 'fixture';

/** Workload keys a deployment needs besides the parameters: where the http step posts, which credential. */
export interface FixtureWorkload {
  /** The fixture's details_api_url (httpbin's /anything by default; clusters and CI machines cannot reach it). */
  detailsUrl?: string;
  /** The fixture's pg_auth: the credential its postgres steps use (pg_k8s by default). */
  pgAuth?: string;
}

/** The credential the fixture's postgres steps use unless pg_auth says otherwise. */
export const FIXTURE_CREDENTIAL = 'pg_k8s';

export interface RunConfig {
  target: TargetKind;
  serverUrl?: string;
  token?: string;
  serverSource?: string;
  /** Through the NoETL gateway (/noetl/ prefix, session token). */
  gateway?: boolean;
  sandboxDialect: Dialect;
  faults: string[];
  /** Extra sandbox flags: fault-profile numbers. */
  sandboxArgs: string[];
  allowNetwork: boolean;
  modes: Mode[];
  sequential: boolean;
  params: RunParams;
  preset: string | null;
  /** --details-url, --pg-auth: workload keys of a real deployment, sent only when given. */
  workload: FixtureWorkload;
  /** --log-file: server and worker logs on this machine, followed from their end. */
  logFiles: string[];
  /** --engine-processes: a local engine's processes.json (local-noetl), sampled as pods. */
  engineProcesses?: string;
  /** The NoETL system database (noetl.event). */
  pgUrl?: string;
  /** The data database with the fixture's tables (else from the playbooks' credential). */
  dataPgUrl?: string;
  catalogPath?: string;
  workerPath?: string;
  playbookFile?: string;
  workerFile?: string;
  /** Playbook texts to register instead of the bundled ones or the files (a sweep cell's variants). */
  playbooks?: PlaybookPair;
  stallSeconds: number;
  timeoutSeconds: number;
  pollMs: number;
  /** --tail-window: how long an event may commit below an id already read. */
  tailWindowMs: number;
  requestTimeoutMs: number;
  reportDir: string;
  cancelOnExit: boolean;
  dryRun: boolean;
  /** --yes: load a target whose names look like production without asking; --prod-pattern: what does. */
  yes: boolean;
  prodPattern: string;
  /** --fail-on and --max-duration: which breaches make the exit code 1. */
  thresholds: Thresholds;
  /** --repeat: how many times the same setting runs (more than one goes through the sweep runner). */
  repeat: number;
  /** watch: executions started elsewhere to observe instead of launching (one per mode). */
  watch?: string[];
  kube?: KubeConfig;
  /** --target local: the legacy engine from PyPI started for the run. */
  local?: LocalEngineConfig;
  /** The engine's release where known (--target local's, or --noetl-version with a server): the playbooks' form. */
  release?: string;
  /** --child-timeout: the chunk loop's playbook-tool timeout, in seconds. */
  childTimeoutSeconds?: number;
  /** --stop-on-stall: a mode ends at its first stall (else a stall is an episode and observation goes on). */
  stopOnStall: boolean;
}

export interface LocalEngineConfig {
  /** --noetl-version: the PyPI release (x.y.z, below 5.0.0). */
  version: string;
  /** --workers: how many Python workers. */
  workers: number;
}

export interface KubeConfig {
  bin: string;
  context?: string;
  namespace: string;
  service?: string;
  kubeconfig?: string;
  /** -l/--selector: the server pods' label selector (else the known generations are tried). */
  selector?: string;
  workerSelector?: string;
  topIntervalMs: number;
  pgForward?: { namespace: string; resource: string; port: number };
}

/** `postgres/svc/postgres:5432` (namespace/kind/name:port) or `svc/postgres:5432` in the NoETL namespace. */
export function parsePgForward(raw: string, defaultNs: string): { namespace: string; resource: string; port: number } {
  const m = /^(?:([a-z0-9-]+)\/)?(svc|service|pod|deploy|deployment)\/([a-z0-9][-a-z0-9.]*):(\d{1,5})$/.exec(
    raw.trim(),
  );
  if (!m)
    throw usageError(
      `--pg-forward ${JSON.stringify(raw)} is not NAMESPACE/svc/NAME:PORT`,
      'for example postgres/svc/postgres:5432',
    );
  return { namespace: m[1] ?? defaultNs, resource: `${m[2] === 'service' ? 'svc' : m[2]}/${m[3]}`, port: Number(m[4]) };
}

const MAX_PAYLOAD_KB = 10 * 1024;

/** A positive integer option; `what` names the flag. */
export function positiveInt(raw: unknown, what: string, { min = 1, max = 1_000_000 } = {}): number {
  const s = String(raw).trim();
  if (!/^-?\d+$/.test(s)) throw usageError(`${what} must be a whole number, got ${JSON.stringify(String(raw))}`);
  const n = Number(s);
  if (n < min || n > max) throw usageError(`${what} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function positiveNumber(raw: unknown, what: string, { min = 0.1, max = 86_400 } = {}): number {
  const n = Number(String(raw).trim());
  if (String(raw).trim() === '' || !Number.isFinite(n))
    throw usageError(`${what} must be a number, got ${JSON.stringify(String(raw))}`);
  if (n < min || n > max) throw usageError(`${what} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * A duration in seconds: a bare number is seconds (`30`, `1.5`); with a unit it is what `ms` reads
 * (`30s`, `5m`, `1h`, `2 days`). `what` names the flag in the error.
 */
export function parseDuration(raw: unknown, what: string, { min = 0.1, max = 86_400 } = {}): number {
  const s = String(raw).trim();
  const seconds = /^\d+(\.\d+)?$/.test(s) ? Number(s) : /^\d/.test(s) ? ms(s as ms.StringValue) / 1000 : NaN;
  if (!Number.isFinite(seconds))
    throw usageError(`${what} must be a number, got ${JSON.stringify(s)}: seconds, or a duration such as 30s, 5m, 1h`);
  if (seconds < min || seconds > max)
    throw usageError(`${what} must be between ${min} and ${max} seconds, got ${seconds}`);
  return seconds;
}

/** --fail-on: a comma list of breach kinds, `all` or `none`. */
export function parseFailOn(raw: string | undefined): Breach[] {
  if (raw === undefined || raw.trim() === 'all') return [...BREACHES];
  if (raw.trim() === 'none') return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of list) {
    if (!BREACHES.includes(b as Breach))
      throw usageError(
        `--fail-on: unknown breach ${JSON.stringify(b)}`,
        `allowed: ${BREACHES.join(', ')}, all or none`,
      );
  }
  return [...new Set(list)] as Breach[];
}

export function parseModes(raw: string | undefined): Mode[] {
  if (!raw || raw === 'both') return [...MODES];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const m of list) {
    if (m === 'both')
      throw usageError(
        '--modes: "both" stands alone (it means both modes)',
        `give both, or a list of ${MODES.join(', ')}`,
      );
    if (!MODES.includes(m as Mode)) {
      const near = closest(m, MODES);
      throw usageError(
        `--modes: unknown mode ${JSON.stringify(m)}${near ? ` (did you mean ${near}?)` : ''}`,
        `allowed: ${MODES.join(', ')} or both`,
      );
    }
  }
  return [...new Set(list)] as Mode[];
}

export function parsePreset(raw: string | undefined): { name: string; params: RunParams } {
  const name = raw ?? DEFAULT_PRESET;
  const p = PRESETS[name];
  if (!p)
    throw usageError(`--preset: unknown preset ${JSON.stringify(name)}`, `allowed: ${Object.keys(PRESETS).join(', ')}`);
  return {
    name,
    params: { seedRows: p.seedRows, payloadKb: p.payloadKb, batchSize: p.batchSize, maxBatches: p.maxBatches },
  };
}

export function parseFaults(raw: string[] | undefined): string[] {
  const list = (raw ?? [])
    .flatMap((f) => f.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(FAULT_PROFILES as readonly string[]).includes(f)) {
      throw usageError(
        `--sandbox-fault: unknown profile ${JSON.stringify(f)}`,
        `allowed: ${FAULT_PROFILES.join(', ')}`,
      );
    }
  }
  return [...new Set(list)];
}

export function applyParamOverrides(
  base: RunParams,
  o: { seedRows?: string; payloadKb?: string; batchSize?: string; maxBatches?: string },
): RunParams {
  return {
    seedRows: o.seedRows !== undefined ? positiveInt(o.seedRows, '--seed-rows', { max: 1_000_000 }) : base.seedRows,
    payloadKb:
      o.payloadKb !== undefined ? positiveInt(o.payloadKb, '--payload-kb', { max: MAX_PAYLOAD_KB }) : base.payloadKb,
    batchSize: o.batchSize !== undefined ? positiveInt(o.batchSize, '--batch-size', { max: 100_000 }) : base.batchSize,
    maxBatches:
      o.maxBatches !== undefined ? positiveInt(o.maxBatches, '--max-batches', { max: 10_000 }) : base.maxBatches,
  };
}

/** The payload both modes are launched with: identical but for execution_mode. */
export function payloadFor(
  mode: Mode,
  params: RunParams,
  workerPath: string,
  workload: FixtureWorkload = {},
): Record<string, unknown> {
  return {
    ...(workload.detailsUrl ? { details_api_url: workload.detailsUrl } : {}),
    ...(workload.pgAuth ? { pg_auth: workload.pgAuth } : {}),
    execution_mode: mode,
    seed_rows: params.seedRows,
    payload_kb_per_item: params.payloadKb,
    batch_size: params.batchSize,
    max_batches: params.maxBatches,
    batch_worker_path: workerPath,
  };
}
