// Fault profiles the sandbox can emulate. Everything they cause is labelled as emulation where shown.
export const FAULT_PROFILES = [
  'http-errors',
  'http-timeouts',
  'latency',
  'worker-crash',
  'legacy-loop-state',
  'late-commit',
  'status-flap',
  'loop-stops-after-first-window',
  'child-status-blind',
  'materializer-stall',
] as const;
export type FaultProfile = (typeof FAULT_PROFILES)[number];

export const FAULT_DESCRIPTIONS: Record<FaultProfile, string> = {
  'http-errors': 'the echo endpoint answers a share of requests with an error status (exercises the http retry policy)',
  'http-timeouts':
    "the echo endpoint never answers every Nth item (--hang-every): its request times out at the http tool's timeout, --http-timeout-seconds here when the playbook sets none (the engines' own defaults: 30 s on Rust, 60 on Python). Rust retries no timeout, fails the command, ends the run FAILED at once, and runs the loop's other commands on",
  latency: 'the echo endpoint delays every answer',
  'worker-crash': 'one python worker process is killed mid-run (its command is re-dispatched)',
  'legacy-loop-state':
    'python engine before noetl/noetl PR #220 (2026-01-26; a month before this fixture existed): every loop appends its results inline to one NATS KV value capped at max_payload (1 MiB), so with 256 KB items both modes freeze within a few iterations per loop and churn',
  'late-commit':
    'event ids minted before slow inserts: some rows commit late, below ids already readable (the Rust server, noetl-contract §6.4)',
  'status-flap':
    'a terminal status shown for a moment between two steps (Rust status heuristics, Python completion_inferred; §6.3)',
  'loop-stops-after-first-window':
    'python engine of 2026-02-24..27 (noetl/noetl e3ec10a0, fixed by dfca19ed): a loop over kind: playbook issues nothing after its first max_in_flight completions; chunked_optimal stores 3 windows (120 of 240 rows) and goes silent',
  'materializer-stall':
    "production's event log stops for a while (the system pool's materializer writes noetl.event: NOETL_EVENT_INGEST_PUBLISH_ONLY, alert MaterializerStalledUnderGate): after 200 events nothing is written for 60 s while the engine goes on, then the backlog lands",
  'child-status-blind':
    "python engine before 2026-02-23 (noetl/noetl 7acf458b): the playbook tool polled child status fields the server did not return and came back only at its timeout (the fixture's 1200 s); chunked_optimal stores its first windows, then nothing for twenty minutes per window",
};

/** Faults that emulate the legacy Python engine of a period: they select the python dialect. */
export const PYTHON_PERIOD_FAULTS: readonly FaultProfile[] = [
  'legacy-loop-state',
  'loop-stops-after-first-window',
  'child-status-blind',
];

/** What the query endpoint allows (noetl-contract §6.2; NOETL_DATABASE_ROUTES_AUTH upstream). */
export const DB_ROUTES = ['open', 'readonly', 'gated', 'disabled'] as const;
export type DbRoutes = (typeof DB_ROUTES)[number];
