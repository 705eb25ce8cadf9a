// The sandbox process's tuning flags (fault-profile numbers, the query-endpoint policy): their help text
// and their validation, from the options a run was given.
import { positiveInt, positiveNumber } from './config.js';
import { usageError } from './errors.js';
import type { Dialect } from './model.js';
import { DB_ROUTES, PYTHON_PERIOD_FAULTS } from './sandbox/faults.js';

/**
 * Fault-profile numbers passed to the sandbox process (its own flag names), with their defaults: `--help`
 * and the sandbox's own argument parser (src/sandbox/main.ts) both read them here.
 */
export const SANDBOX_TUNING: ReadonlyArray<{
  flag: string;
  opt: string;
  help: string;
  default: string;
  /** How --help says the default, when not as the number. */
  defaultText?: string;
  min: number;
  max: number;
  int: boolean;
}> = [
  {
    flag: 'http-error-rate',
    opt: 'httpErrorRate',
    help: 'http-errors: share of echo requests that fail, 0..1',
    default: '0.2',
    min: 0,
    max: 1,
    int: false,
  },
  {
    flag: 'http-error-status',
    opt: 'httpErrorStatus',
    help: 'http-errors: HTTP status of the injected errors',
    default: '503',
    min: 400,
    max: 599,
    int: true,
  },
  {
    flag: 'hang-every',
    opt: 'hangEvery',
    help: 'http-timeouts: the echo never answers items whose item_id is a multiple of this',
    default: '10',
    min: 1,
    max: 10_000_000,
    int: true,
  },
  {
    flag: 'http-timeout-seconds',
    opt: 'httpTimeoutSeconds',
    help: "http-timeouts: the http tool's timeout when the playbook sets none",
    default: '2',
    min: 1,
    max: 3600,
    int: true,
  },
  {
    flag: 'latency-ms',
    opt: 'latencyMs',
    help: 'latency: added per echo request in ms',
    default: '150',
    min: 0,
    max: 600_000,
    int: true,
  },
  {
    flag: 'crash-after-calls',
    opt: 'crashAfterCalls',
    help: 'worker-crash: python calls before a worker is killed',
    default: '40',
    min: 1,
    max: 10_000_000,
    int: true,
  },
  {
    flag: 'loop-state-cap-bytes',
    opt: 'loopStateCapBytes',
    help: 'legacy-loop-state: loop state cap, NATS max_payload',
    default: '1048576',
    min: 1024,
    max: 1 << 30,
    int: true,
  },
  {
    flag: 'loop-inline-max-bytes',
    opt: 'loopInlineMaxBytes',
    help: "legacy-loop-state: results over this size are appended as a reference plus a preview (65536 adds the references of 2026-02-03 to the period's state, a combination no engine ran)",
    default: String(1 << 30),
    defaultText: "none: every result inline, as in the fault's period",
    min: 0,
    max: 1 << 30,
    int: true,
  },
  {
    flag: 'loop-preview-bytes',
    opt: 'loopPreviewBytes',
    help: 'legacy-loop-state: preview kept with a reference, with --loop-inline-max-bytes',
    default: '1024',
    min: 0,
    max: 1 << 30,
    int: true,
  },
  {
    flag: 'materializer-stall-after',
    opt: 'materializerStallAfter',
    help: 'materializer-stall: events written before the event log stops',
    default: '200',
    min: 1,
    max: 10_000_000,
    int: true,
  },
  {
    flag: 'materializer-stall-ms',
    opt: 'materializerStallMs',
    help: 'materializer-stall: how long nothing reaches noetl.event in ms',
    default: '60000',
    min: 0,
    max: 3_600_000,
    int: true,
  },
  {
    flag: 'late-commit-ms',
    opt: 'lateCommitMs',
    help: 'late-commit: how long every 7th event insert is held back in ms',
    default: '1500',
    min: 0,
    max: 60_000,
    int: true,
  },
  {
    flag: 'status-flap-ms',
    opt: 'statusFlapMs',
    help: 'status-flap: how long the terminal status is shown in ms',
    default: '2500',
    min: 0,
    max: 60_000,
    int: true,
  },
];

/** A tuning flag's help line with its default. */
export const tuningHelp = (t: (typeof SANDBOX_TUNING)[number]) => `${t.help} (default ${t.defaultText ?? t.default})`;

/** The sandbox process's parseArgs options for the tuning flags, defaults included. */
export const tuningParseOptions = () =>
  Object.fromEntries(SANDBOX_TUNING.map((t) => [t.flag, { type: 'string' as const, default: t.default }]));

/** Validated `--flag value` pairs for the sandbox process from the CLI options that were given. */
export function sandboxTuningArgs(o: Record<string, unknown>): string[] {
  const args: string[] = [];
  if (o.sandboxDbRoutes !== undefined) {
    const policy = String(o.sandboxDbRoutes);
    if (!(DB_ROUTES as readonly string[]).includes(policy))
      throw usageError(
        `--sandbox-db-routes: unknown policy ${JSON.stringify(policy)}`,
        `allowed: ${DB_ROUTES.join(', ')}`,
      );
    args.push('--db-routes', policy);
  }
  for (const t of SANDBOX_TUNING) {
    const raw = o[t.opt];
    if (raw === undefined) continue;
    const n = t.int
      ? positiveInt(raw, `--${t.flag}`, { min: t.min, max: t.max })
      : positiveNumber(raw, `--${t.flag}`, { min: t.min, max: t.max });
    args.push(`--${t.flag}`, String(n));
  }
  return args;
}

/**
 * The faults that emulate a period of the legacy Python engine (legacy-loop-state, loop-stops-after-first-window) so they
 * selects the python dialect; asked for together with the Rust dialect it is refused.
 */
export function legacyDialect(faults: string[], asked: Dialect | undefined, flag: string): Dialect {
  const period = faults.find((f) => (PYTHON_PERIOD_FAULTS as readonly string[]).includes(f));
  if (!period) return asked ?? 'rust';
  // Not a difference of behaviour (those live in the dialect tables): a flag asked against the fault's.
  const periodDialect: Dialect = 'python';
  if (asked !== undefined && asked !== periodDialect)
    throw usageError(
      `--sandbox-fault ${period} emulates the legacy Python engine and cannot run with ${flag} rust`,
      `drop ${flag} (it selects python)`,
    );
  return periodDialect;
}
