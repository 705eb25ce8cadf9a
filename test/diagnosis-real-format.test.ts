// Every rule of the diagnosis on evidence in the form a real engine produces it (issue #26): event
// sequences with the types, nodes and statuses each engine writes, log lines as its logger formats them
// (tracing's coloured fmt for Rust, the Python logger's "Message:" lines), and pod states as kubectl
// reports them. Each case names where its form comes from. The cases go through the same store and
// evidence code as a live run. A rule that fires on no case here reads a signal no engine writes.
import { describe, expect, it } from 'vitest';
import { diagnose, RULES } from '../src/diagnosis/rules.js';
import type { Mode, NoetlEvent, PodSample, StackProfile, StallFacts, TargetKind } from '../src/model.js';
import { LogLineReader } from '../src/sources/log-files.js';
import { evidenceOf } from '../src/run/evidence.js';
import { RunStore } from '../src/run/store.js';
import { EMPTY_STATS } from '../src/sources/rows.js';

type Engine = 'rust' | 'python';
type Ev = [type: string, node: string, status: string];

interface Case {
  engine: Engine;
  name: string;
  /** Where the form of this evidence comes from. */
  source: string;
  events: Ev[];
  logs?: Array<[source: string, line: string]>;
  pods?: PodSample[];
  /** The poll read the rows after the last event arrived (else it saw them with the events). */
  rowsAfterEvents?: boolean;
  /** When the engine stored the newest row: a minute after the newest event (default), or before it. */
  rowsStored?: 'after-events' | 'before-events';
  /** Child executions (chunk windows) with their own events. */
  children?: Ev[][];
  /** What the children's /status says where they wrote no terminal event (noetl 2.8.4: completion_inferred). */
  childStatus?: 'completed';
  /** The legacy release the target runs (--target local --noetl-version). */
  release?: string;
  /** The parent's terminal event came while this many children still ran, this many rows stored then. */
  parentEndedEarly?: { openChildren: number; storedRows: number };
  verdict: 'completed' | 'running' | 'stalled';
  stall?: 'silent' | 'churning';
  stored: number;
  expect: string[];
  /** The target (default cluster): the local engine's processes are sampled as pods. */
  target?: TargetKind;
  /** Pod samples 2 s apart, oldest first (CPU over the run). */
  podSeries?: PodSample[][];
  profile?: StackProfile;
  /** The other mode's events (it holds the workers). */
  otherEvents?: Ev[];
  /** Words the advice of the named cause must and must not hold. */
  advice?: { id: string; has: string[]; lacks: string[] };
  /** Evidence the named cause must show. */
  evidence?: { id: string; has: string[] };
}

const MODE: Mode = 'direct_stress';
const EXPECTED = 40;

/** One command's events as each engine writes them (Rust: R2, R7; Python 4.26.0: test/real-engine). */
function command(engine: Engine, node: string, outcome: 'ok' | 'error' = 'ok'): Ev[] {
  if (engine === 'rust')
    return [
      ['command.issued', node, 'PENDING'],
      ['command.claimed', node, 'RUNNING'],
      ['command.started', node, 'STARTED'],
      ['call.done', node, 'COMPLETED'],
      ['command.completed', node, outcome === 'ok' ? 'success' : 'error'],
    ];
  return [
    ['command.issued', node, 'PENDING'],
    ['command.claimed', node, 'RUNNING'],
    ['command.started', node, 'RUNNING'],
    ['step.enter', node, 'RUNNING'],
    ['call.done', node, 'COMPLETED'],
    ['step.exit', node, 'COMPLETED'],
    ['command.completed', node, 'COMPLETED'],
  ];
}

const times = (n: number, f: () => Ev[]) => Array.from({ length: n }, f).flat();
const start = (e: Engine): Ev[] =>
  e === 'rust'
    ? [['playbook_started', 'tests/fixtures/heavy_payload', 'STARTED']]
    : [
        ['playbook.initialized', 'tests/fixtures/heavy_payload', 'initialized'],
        ['workflow.initialized', 'workflow', 'initialized'],
      ];
const end = (e: Engine): Ev[] =>
  e === 'rust'
    ? [['playbook.completed', 'playbook', 'COMPLETED']]
    : [
        ['workflow.completed', 'workflow', 'completed'],
        ['playbook.completed', 'tests/fixtures/heavy_payload', 'completed'],
      ];
const seq = (e: Engine) => (e === 'rust' ? 'run_direct_stress' : 'run_direct_stress:task_sequence');
const rustLine = (level: string, target: string, msg: string) =>
  `\x1b[2m2026-12-05T06:00:00.000000Z\x1b[0m \x1b[31m${level}\x1b[0m \x1b[2m${target}\x1b[0m\x1b[2m:\x1b[0m ${msg}`;
// As noetl 4.26.0 writes it (a worker log of --target local): the header with the level, the (module:function:line)
// line, then the message.
const pyLine = (level: string, msg: string) =>
  `2026-12-06T14:47:05.959309 [${level}]  /venv/lib/python3.12/site-packages/noetl/worker/task_sequence_executor.py:563\n(task_sequence_executor:execute:563)\n     Message: ${msg}`;
const POOL_INFO = 'POSTGRES: pooled mode pool=pg_demo_noetl_f4816a89b6 min=1 max=6 waiting=50 timeout=30.0s commands=1';
const busyWorkers = (n: number, over: Partial<PodSample> = {}): PodSample[][] =>
  Array.from({ length: n }, () => [
    pod('noetl-worker-1', 'worker', { cpuMillicores: 960, ...over }),
    pod('noetl-worker-2', 'worker', { cpuMillicores: 930, ...over }),
  ]);
const pod = (name: string, role: string, over: Partial<PodSample> = {}): PodSample => ({
  name,
  role,
  cpuMillicores: 120,
  memoryBytes: 300 * 2 ** 20,
  sampledAt: 0,
  ...over,
});

const CASES: Case[] = [
  ...(['rust', 'python'] as const).map((engine): Case => ({
    engine,
    name: 'a healthy run',
    source: engine === 'rust' ? 'ai-meta 227 RESULT.md (R2), tools playbook.rs test (R7)' : 'noetl 4.26.0, run here',
    events: [...start(engine), ...times(EXPECTED, () => command(engine, seq(engine))), ...end(engine)],
    verdict: 'completed',
    stored: EXPECTED,
    expect: [],
  })),
  {
    engine: 'rust',
    name: 'an endpoint failing after its retries',
    source:
      'worker src/executor/command.rs 1005-1033 (command.completed error); tools src/tools/task_sequence.rs 633-637',
    events: [...start('rust'), ...times(EXPECTED, () => command('rust', 'run_direct_stress', 'error')), ...end('rust')],
    logs: [
      [
        'worker',
        rustLine('ERROR', 'noetl_tools::task_sequence', 'task_sequence: retry exhausted task=fetch_detail attempts=4'),
      ],
    ],
    verdict: 'completed',
    stored: 0,
    expect: ['http-retries'],
  },
  {
    engine: 'python',
    name: 'an endpoint answering errors, retried',
    source: 'noetl/noetl noetl/worker/task_sequence_executor.py 698-701 (INFO)',
    events: [...start('python'), ...times(EXPECTED, () => command('python', seq('python'))), ...end('python')],
    logs: [['worker', pyLine('INFO', "[TASK_SEQ] Retrying task 'fetch_detail' (attempt 2/4)")]],
    verdict: 'completed',
    stored: EXPECTED,
    expect: ['http-retries'],
  },
  {
    engine: 'rust',
    name: 'every item issued, none claimed',
    source: 'orchestrate-core orchestrator.rs 1825-1829 (all items at once); ai-meta 227 never-claimed shape (R2)',
    events: [...start('rust'), ...times(EXPECTED, () => [['command.issued', 'run_direct_stress', 'PENDING']])],
    verdict: 'stalled',
    stall: 'silent',
    stored: 0,
    expect: ['commands-not-claimed'],
  },
  {
    engine: 'rust',
    name: 'the server out of database connections',
    source: 'server src/error.rs 111-112 (sqlx PoolTimedOut)',
    events: [...start('rust'), ...times(5, () => command('rust', 'run_direct_stress'))],
    logs: [
      [
        'server',
        rustLine(
          'ERROR',
          'noetl_server::error',
          'Database error error=pool timed out while waiting for an open connection',
        ),
      ],
    ],
    verdict: 'running',
    stored: 5,
    expect: ['pool-exhausted'],
  },
  {
    engine: 'python',
    name: 'the event batch endpoint saturated',
    source: 'noetl/noetl noetl/server/api/core/batch.py 675',
    events: [...start('python'), ...times(5, () => command('python', seq('python')))],
    logs: [['worker', pyLine('WARNING', 'event batch rejected: HTTP 503 pool_saturated')]],
    verdict: 'running',
    stored: 5,
    expect: ['pool-exhausted'],
  },
  {
    engine: 'python',
    name: "a playbook tool blind to its children's end (before noetl/noetl 7acf458b)",
    source: 'noetl/noetl 7acf458b (2026-02-23); noetl-contract §7',
    // run_batch_workers' three commands claimed and started, never completed; their children all ended.
    events: [...start('python'), ...times(3, () => command('python', 'run_batch_workers').slice(0, 3))],
    children: Array.from({ length: 3 }, () => [
      ...start('python'),
      ...times(5, () => command('python', 'process_batch_pipeline:task_sequence')),
      ...end('python'),
    ]),
    verdict: 'stalled',
    stall: 'silent',
    stored: 15,
    expect: ['child-ended-parent-waits'],
  },
  {
    engine: 'python',
    name: 'noetl 2.8.4: children that write no terminal event, their /status completion_inferred, the tool giving up',
    source:
      'noetl 2.8.4 run here (--target local --noetl-version 2.8.4 --child-timeout 75s): server/api/v2.py 755-813, worker/v2_worker_nats.py 2189',
    events: [...start('python'), ...command('python', 'run_batch_workers').slice(0, 3)],
    children: [[...start('python'), ...times(5, () => command('python', 'process_batch_pipeline:task_sequence'))]],
    childStatus: 'completed',
    logs: [['worker-2', pyLine('WARNING', 'Sub-playbook 776043686147653684 timed out after 75s')]],
    verdict: 'running',
    stall: 'silent',
    stored: 5,
    expect: ['child-ended-parent-waits'],
    evidence: { id: 'child-ended-parent-waits', has: ['completion_inferred', 'gave up waiting 1×'] },
  },
  {
    engine: 'rust',
    name: 'a loop that stopped issuing on the Rust server: advice for that engine, not a Python commit',
    source: 'issue #38: loop-stopped-issuing advised dfca19ed (a noetl/noetl Python fix) on any target',
    events: [...start('rust'), ...times(3, () => command('rust', 'run_batch_workers'))],
    verdict: 'stalled',
    stall: 'silent',
    stored: 15,
    expect: ['loop-stopped-issuing'],
    advice: { id: 'loop-stopped-issuing', has: ["server's log"], lacks: ['Run an engine with dfca19ed'] },
  },
  {
    engine: 'python',
    name: 'noetl 4.26.0: a loop over a result field it does not have, the event batch failed, nothing after',
    source:
      "noetl 4.26.0 run here (test/playbooks/failing-runs/command0-in-loop.yaml): batch.failed on events.batch, 'TaskResultProxy object' has no attribute 'command_0'",
    events: [
      ...start('python'),
      ...command('python', 'start'),
      ['batch.accepted', 'events.batch', 'PENDING'],
      ['batch.processing', 'events.batch', 'RUNNING'],
      ['batch.failed', 'events.batch', 'FAILED'],
    ],
    verdict: 'stalled',
    stall: 'silent',
    stored: 0,
    expect: ['event-batch-failed'],
    evidence: { id: 'event-batch-failed', has: ['batch.failed 1× on events.batch'] },
  },
  {
    engine: 'python',
    name: 'noetl 4.26.0: two items whose http step failed, the loop done, the run completed (not a loop ended early)',
    source:
      'noetl 4.26.0 run here: chunked_optimal, 12 items, the echo answering 500 for items 7 and 8: 12 issued, 10 completed, 2 call.error + command.failed',
    events: [
      ...start('python'),
      ...times(EXPECTED - 2, () => command('python', seq('python'))),
      ...times(2, (): Ev[] => [
        ['command.issued', seq('python'), 'PENDING'],
        ['command.claimed', seq('python'), 'RUNNING'],
        ['command.started', seq('python'), 'RUNNING'],
        ['step.enter', seq('python'), 'RUNNING'],
        ['call.error', seq('python'), 'FAILED'],
        ['command.failed', seq('python'), 'FAILED'],
        ['step.exit', seq('python'), 'COMPLETED'],
      ]),
      ...end('python'),
    ],
    release: '4.26.0',
    verdict: 'completed',
    stored: EXPECTED - 2,
    expect: [],
  },
  {
    engine: 'python',
    name: 'noetl 2.12.1: the loop completed after its first max_in_flight tranche',
    source: 'noetl 2.12.1 run here (releases 2.12.1,2.12.2,2.12.5 --bisect missing): 20 of 40 stored, COMPLETED',
    events: [
      ...start('python'),
      ...times(20, () => command('python', 'run_direct_stress:task_sequence')),
      ...command('python', 'validate_persisted_results'),
      ...end('python'),
    ],
    release: '2.12.1',
    verdict: 'completed',
    stored: 20,
    expect: ['loop-ended-early'],
    evidence: { id: 'loop-ended-early', has: ['completed with 20 of 40 rows stored', 'noetl/noetl #336'] },
    advice: { id: 'loop-ended-early', has: ['Run noetl 2.12.5 or later'], lacks: [] },
  },
  {
    engine: 'python',
    name: 'noetl 2.12.1: the loop stalled after its first max_in_flight tranche',
    source:
      'noetl 2.12.1 run here (releases 2.12.1,2.12.2,2.12.5 --bisect missing, second run): 20 of 40, then nothing',
    events: [...start('python'), ...times(20, () => command('python', 'run_direct_stress:task_sequence'))],
    release: '2.12.1',
    verdict: 'stalled',
    stall: 'silent',
    stored: 20,
    expect: ['loop-stopped-issuing'],
    evidence: { id: 'loop-stopped-issuing', has: ['noetl/noetl #336'] },
    advice: { id: 'loop-stopped-issuing', has: ['Run noetl 2.12.5 or later'], lacks: ['dfca19ed'] },
  },
  {
    engine: 'python',
    name: 'noetl 2.8.3: the parent completed while its chunk windows still ran',
    source: 'noetl 2.8.3 run here (releases 2.8.3,…): playbook.completed of the parent, then the children stored rows',
    events: [...start('python'), ...times(3, () => command('python', 'run_batch_workers')), ...end('python')],
    children: Array.from({ length: 3 }, () => [
      ...start('python'),
      ...times(5, () => command('python', 'process_batch_pipeline:task_sequence')),
    ]),
    parentEndedEarly: { openChildren: 3, storedRows: 5 },
    verdict: 'completed',
    stored: 15,
    expect: ['parent-ended-before-children'],
    evidence: { id: 'parent-ended-before-children', has: ['while 3 child execution(s) still ran'] },
  },
  {
    engine: 'python',
    name: 'the endpoint timing out',
    source:
      'noetl 4.26.0 tools/http/executor.py 420-422 (ReadTimeout is a RequestError: the TimeoutException branch at 435-437 is unreachable)',
    events: [...start('python'), ...times(5, () => command('python', seq('python')))],
    logs: [['worker', pyLine('ERROR', 'HTTP.EXECUTE_HTTP_TASK: RequestError - Request error: timed out')]],
    verdict: 'running',
    stored: 5,
    expect: ['http-retries', 'timeouts'],
  },
  {
    engine: 'python',
    name: 'the loop state over the NATS message size (before noetl/noetl PR #220)',
    source: "noetl-contract §6.7; nats-py's MaxPayloadError text",
    events: [...start('python'), ...times(30, () => command('python', seq('python')))],
    logs: [['worker', pyLine('ERROR', 'loop state put failed: nats: maximum payload exceeded')]],
    verdict: 'stalled',
    stall: 'churning',
    stored: 3,
    expect: ['loop-state-cap', 'nats-max-payload'],
  },
  {
    engine: 'python',
    name: 'a loop over kind: playbook that stops after its first window (noetl/noetl e3ec10a0)',
    source: 'noetl/noetl e3ec10a0 → dfca19ed; noetl-contract §7.8',
    events: [...start('python'), ...times(3, () => command('python', 'run_batch_workers'))],
    verdict: 'stalled',
    stall: 'silent',
    stored: 15,
    expect: ['loop-stopped-issuing'],
  },
  ...(['rust', 'python'] as const).map((engine): Case => ({
    engine,
    name: 'Kubernetes: a worker OOMKilled, one restarted, the server at a full core, one unschedulable',
    source: 'kubectl get pods (lastState.terminated.reason), kubectl top, kubelet and scheduler events',
    // The command the killed worker held never completes.
    events: [
      ...start(engine),
      ...times(10, () => command(engine, seq(engine))),
      ...command(engine, seq(engine)).slice(0, 3),
    ],
    logs: [
      ['k8s-events', 'BackOff Back-off restarting failed container worker in pod noetl-worker-0'],
      ['k8s-events', 'FailedScheduling 0/3 nodes are available: 3 Insufficient memory.'],
    ],
    pods: [
      pod('noetl-worker-0', 'worker', { restarts: 2, lastReason: 'OOMKilled' }),
      pod('noetl-worker-1', 'worker', { restarts: 1, lastReason: 'Error' }),
      pod('noetl-server-0', 'server', { cpuMillicores: 990 }),
    ],
    verdict: 'stalled',
    stall: 'silent',
    stored: 10,
    expect: ['oom-killed', 'worker-lost', 'crash-loop', 'unschedulable', 'cpu-saturation'],
  })),
  {
    engine: 'rust',
    name: 'a router none of whose arcs matched',
    source: 'ai-meta playbooks/223-ehdb-prod-runbook/P8-muno-provenance.md (R3); orchestrator.rs test_67_*',
    events: [
      ...start('rust'),
      ...times(6, () => command('rust', 'route')),
      ...['a', 'b', 'c', 'd', 'e'].map((s): Ev => ['step.skipped', `branch_${s}`, 'SKIPPED']),
    ],
    verdict: 'stalled',
    stall: 'silent',
    stored: 0,
    expect: ['no-branch-taken'],
  },
  {
    engine: 'rust',
    name: "production's event log stopped while the work went on",
    source:
      'noetl/ops server-rust-deployment-prod (NOETL_EVENT_INGEST_PUBLISH_ONLY), vmrule-materializer-lag; noetl-contract §7.5',
    events: [...start('rust'), ...times(4, () => command('rust', 'run_direct_stress'))],
    rowsAfterEvents: true,
    verdict: 'stalled',
    stall: 'silent',
    stored: EXPECTED,
    expect: ['event-log-behind'],
  },
  {
    engine: 'python',
    name: 'a loop that stopped issuing, its rows read by a poll after its last event but stored before it',
    source:
      "the README's stall example on the sandbox (issue #39 item 1: every row stored before the last event; the rows poll ran 8 ms after the events poll)",
    events: [
      ...start('python'),
      ...times(12, () => command('python', seq('python'))),
      ['command.issued', 'run_batch_workers', 'PENDING'],
      ['command.claimed', 'run_batch_workers', 'RUNNING'],
      ['command.completed', 'run_batch_workers', 'COMPLETED'],
    ],
    rowsAfterEvents: true,
    rowsStored: 'before-events',
    verdict: 'stalled',
    stall: 'silent',
    stored: 12,
    expect: ['loop-stopped-issuing'],
  },
  {
    engine: 'rust',
    name: "a worker's memory growing through a run",
    source: 'kubectl top pod, sampled through the run',
    events: [...start('rust'), ...times(10, () => command('rust', 'run_direct_stress'))],
    pods: [
      pod('noetl-worker-0', 'worker', { memoryBytes: 200 * 2 ** 20 }),
      pod('noetl-worker-0', 'worker', { memoryBytes: 700 * 2 ** 20 }),
    ],
    verdict: 'running',
    stored: 10,
    expect: ['memory-growth'],
  },
  {
    engine: 'python',
    target: 'local',
    name: 'a clean run whose worker logs its Postgres pool settings at INFO',
    source:
      'noetl 4.26.0 noetl/tools/postgres/executor.py 281, seen here 35 times in a clean 12-item run (issue #39 item 2)',
    events: [...start('python'), ...times(EXPECTED, () => command('python', seq('python'))), ...end('python')],
    logs: Array.from({ length: 35 }, () => ['worker-1', pyLine('INFO', POOL_INFO)] as [string, string]),
    verdict: 'completed',
    stored: EXPECTED,
    expect: [],
  },
  {
    engine: 'python',
    target: 'local',
    name: 'one of two workers SIGKILLed mid-run: its commands never finish',
    source: 'noetl 4.26.0 on --target local, seen here (issue #36: 199 claimed and started, 193 completed)',
    events: [
      ...start('python'),
      ...times(30, () => command('python', seq('python'))),
      ...times(6, () => command('python', seq('python')).slice(0, 4)),
    ],
    logs: [['worker-1', pyLine('INFO', POOL_INFO)]],
    pods: [pod('noetl-worker-1', 'worker'), pod('noetl-worker-2', 'worker', { exited: 'killed by SIGKILL' })],
    verdict: 'stalled',
    stall: 'silent',
    stored: 30,
    expect: ['worker-lost'],
    evidence: {
      id: 'worker-lost',
      has: [
        'noetl-worker-2: killed by SIGKILL',
        'run_direct_stress:task_sequence: 6 command(s) claimed and started, never completed; none claimed again',
      ],
    },
  },
  {
    engine: 'python',
    target: 'local',
    name: 'both workers at a full core, the redaction regex hottest',
    source: 'noetl 4.26.0 on --target local, /proc samples and py-spy record (issue #36: sanitize.py 700-704)',
    events: [...start('python'), ...times(8, () => command('python', seq('python')))],
    podSeries: busyWorkers(12),
    profile: {
      tool: 'py-spy',
      role: 'worker',
      pods: ['noetl-worker-1'],
      seconds: 10,
      samples: 200,
      top: [
        {
          file: '/venv/lib/python3.12/site-packages/noetl/core/sanitize.py',
          fn: 'redact_url_credentials',
          share: 0.91,
        },
      ],
    },
    verdict: 'running',
    stored: 8,
    expect: ['workers-cpu-bound'],
    evidence: { id: 'workers-cpu-bound', has: ['noetl-worker-1: 960m CPU', 'sanitize.py redact_url_credentials 91%'] },
    advice: { id: 'workers-cpu-bound', has: ['_URL_CREDENTIALS_RE', '--workers'], lacks: ['kubectl'] },
  },
  {
    engine: 'python',
    target: 'local',
    name: 'the server at a full core after the workers went idle, every row stored',
    source:
      'noetl 4.26.0 on --target local, the 64 KB cell of a payload sweep here: the server at 970-999m for 26 s after the last row',
    events: [...start('python'), ...times(EXPECTED, () => command('python', seq('python')))],
    podSeries: Array.from({ length: 8 }, () => [
      pod('noetl-server', 'server', { cpuMillicores: 985 }),
      pod('noetl-worker-1', 'worker', { cpuMillicores: 0 }),
      pod('noetl-worker-2', 'worker', { cpuMillicores: 5 }),
    ]),
    verdict: 'running',
    stored: EXPECTED,
    expect: ['server-cpu-bound'],
    evidence: { id: 'server-cpu-bound', has: ['noetl-server: 985m CPU on average', 'the last 8 in a row'] },
  },
  // Complete runs, every row stored: the engine's CPU is named only when each row cost it 5 CPU-seconds or
  // more and the process sat at a full core for 30 s (cpu-rules.ts), as 24 rows of 64 KB did here (12 a row:
  // workers 211, server 78 CPU-s) and 12 + 12 rows of 8 KB did not (about 1 a row, the server 24 CPU-s).
  ...(
    [
      ['a clean small run: the server busy 24 s, about 1 CPU-second a row', 12, 0, []],
      ['24 rows of 64 KB: the workers did most of 290 CPU-seconds', 40, 100, ['workers-cpu-bound']],
      ['6 rows of 64 KB: the server did most of it, at the end', 110, 30, ['server-cpu-bound']],
    ] as const
  ).map(([name, serverSamples, workerSamples, expect]): Case => ({
    engine: 'python',
    target: 'local',
    name: `a complete run, every row stored: ${name}`,
    source: 'noetl 4.26.0 on --target local, recorded here by scripts/real-engines.ts (REAL-ENGINES.md)',
    events: [...start('python'), ...times(EXPECTED, () => command('python', seq('python'))), ...end('python')],
    podSeries: Array.from({ length: 1 + Math.max(serverSamples, workerSamples) }, (_, i) => [
      pod('noetl-server', 'server', { cpuMillicores: i <= serverSamples ? 990 : 10 }),
      pod('noetl-worker-1', 'worker', { cpuMillicores: i <= workerSamples ? 980 : 5 }),
      pod('noetl-worker-2', 'worker', { cpuMillicores: i <= workerSamples ? 970 : 5 }),
    ]),
    verdict: 'completed',
    stored: EXPECTED,
    expect: [...expect],
  })),
  {
    engine: 'python',
    target: 'local',
    name: 'a mode whose later commands no worker is free to claim, after its first ran',
    source:
      'noetl 4.26.0 on --target local, the smoke preset (REAL-ENGINES.md): chunked_optimal ran its start, then waited',
    events: [...start('python'), ...command('python', 'start'), ['command.issued', 'resolve_mode', 'PENDING']],
    otherEvents: [...start('python'), ...times(8, () => command('python', seq('python')).slice(0, 4))],
    pods: [pod('noetl-worker-1', 'worker'), pod('noetl-worker-2', 'worker')],
    verdict: 'stalled',
    stall: 'silent',
    stored: 0,
    expect: ['mode-starved'],
    evidence: { id: 'mode-starved', has: ["1 command(s) issued and not claimed, none of this mode's running"] },
  },
  {
    engine: 'python',
    target: 'local',
    name: "the worker's Postgres plugin pool out of connections",
    source:
      'noetl 4.26.0 worker, seen here: psycopg_pool PoolTimeout as the postgres tool reports it; its sizes at INFO',
    events: [...start('python'), ...times(5, () => command('python', seq('python')))],
    logs: [
      ['worker-1', pyLine('INFO', POOL_INFO)],
      ['worker-1', pyLine('ERROR', "Postgres task execution error: couldn't get a connection after 30.00 sec")],
    ],
    verdict: 'running',
    stored: 5,
    expect: ['pool-exhausted'],
    evidence: { id: 'pool-exhausted', has: ['min=1 max=6 waiting=50 timeout=30.0s'] },
    advice: { id: 'pool-exhausted', has: ['NOETL_POSTGRES_POOL_MAX_SIZE'], lacks: ['NOETL_HTTP_MAX_CONNECTIONS'] },
  },
  {
    engine: 'python',
    target: 'local',
    name: 'a mode whose first command no worker is free to claim',
    source:
      'noetl 4.26.0 on --target local, smoke preset both modes (issue #36: command.issued start PENDING never claimed)',
    events: [...start('python'), ['command.issued', 'start', 'PENDING']],
    otherEvents: [...start('python'), ...times(12, () => command('python', seq('python')).slice(0, 4))],
    pods: [pod('noetl-worker-1', 'worker'), pod('noetl-worker-2', 'worker')],
    verdict: 'stalled',
    stall: 'silent',
    stored: 0,
    expect: ['mode-starved'],
    evidence: { id: 'mode-starved', has: ['chunked_optimal: 12 command(s) claimed and unfinished on 2 worker(s)'] },
    advice: { id: 'mode-starved', has: ['--sequential', '--workers'], lacks: [] },
  },
];

function stallOf(kind: 'silent' | 'churning', c: Case, store: RunStore): StallFacts {
  const v = store.modeView(MODE);
  return {
    since: 0,
    idleSeconds: 60,
    kind,
    eventsSinceProgress: kind === 'churning' ? 900 : 0,
    maxPersistedItemId: c.stored,
    storedRows: c.stored,
    expectedRows: EXPECTED,
    iterationsIssued: v.iterationsIssued,
    iterationsDone: v.iterationsDone,
    retriesPerNode: v.retriesPerNode,
    openExecutions: v.openExecutions,
    podMemoryTrend: [],
    // as src/run/observe.ts stallFacts keeps them
    lastEvents: v.tail.slice(-5).map((e) => `${e.type} ${e.node ?? ''} ${e.status ?? ''}`.trim()),
  };
}

/** Log lines through the reader the --log-file follower uses (the level from the engine's own header). */
function logLines(store: RunStore, logs: Array<[string, string]>): void {
  const readers = new Map<string, LogLineReader>();
  for (const [source, text] of logs) {
    // Kubernetes events come as warnings (src/targets/cluster/top.ts warningEvents).
    if (source === 'k8s-events') {
      store.log(source, 'warn', text);
      continue;
    }
    const reader = readers.get(source) ?? new LogLineReader();
    readers.set(source, reader);
    for (const raw of text.split('\n')) {
      const l = reader.take(raw);
      if (l) store.log(source, l.level, l.text);
    }
  }
}

function diagnosed(c: Case) {
  const modes = [
    { mode: MODE, expected: EXPECTED },
    ...(c.otherEvents ? [{ mode: 'chunked_optimal' as Mode, expected: EXPECTED }] : []),
  ];
  const store = new RunStore({ seedRows: EXPECTED, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: null }, modes);
  store.setTarget({ kind: c.target ?? 'cluster', dialect: c.engine });
  if (c.otherEvents) {
    store.markLaunched('chunked_optimal', '583461712347139001');
    store.recordEvents(
      'chunked_optimal',
      c.otherEvents.map(([type, node, status], i) => ({
        eventId: String(583461712347139100n + BigInt(i)),
        executionId: '583461712347139001',
        type,
        node,
        status,
        createdAt: null,
      })),
    );
  }
  const id = '583461712347136001';
  store.markLaunched(MODE, id);
  // The times the engine stored things: events 10 ms apart from T0, the newest row before or after them.
  const T0 = Date.parse('2026-12-06T12:00:00Z');
  const at = (i: number) => new Date(T0 + 10 * i).toISOString();
  const rowsLastAt = (T0 + (c.rowsStored === 'before-events' ? 0 : 10 * c.events.length + 60_000)) / 1000;
  const rows = () =>
    store.recordRows(MODE, {
      ...{ storedRows: c.stored, okRows: c.stored, minItemId: c.stored ? 1 : null, maxItemId: c.stored || null },
      ...{ avgRequestBytes: 0, avgResponseBytes: 0, firstAt: T0 / 1000, lastAt: rowsLastAt, perBatch: {} },
    });
  if (!c.rowsAfterEvents) rows();
  const events: NoetlEvent[] = c.events.map(([type, node, status], i) => ({
    eventId: String(583461712347136100n + BigInt(i)),
    executionId: id,
    type,
    node,
    status,
    createdAt: at(i),
  }));
  store.recordEvents(MODE, events);
  (c.children ?? []).forEach((evs, i) => {
    const child = String(583461712347137000n + BigInt(i));
    store.addChild(MODE, child, i + 1);
    store.recordEvents(
      MODE,
      evs.map(([type, node, status], j) => ({
        eventId: String(583461712347138000n + BigInt(i * 100 + j)),
        executionId: child,
        type,
        node,
        status,
        createdAt: null,
      })),
    );
  });
  if (c.release) store.setTarget({ release: c.release });
  if (c.parentEndedEarly) {
    store.recordRows(MODE, { ...EMPTY_STATS, storedRows: c.parentEndedEarly.storedRows });
    store.markParentEndedEarly(MODE, c.parentEndedEarly.openChildren);
    rows();
  }
  if (c.childStatus)
    for (const child of store.modeView(MODE).openExecutions.filter((x) => x !== id))
      store.recordChildStatus(MODE, child, c.childStatus, true);
  if (c.rowsAfterEvents) rows();
  logLines(store, c.logs ?? []);
  for (const p of c.pods ?? []) store.recordPod({ ...p, sampledAt: Date.now() });
  const t0 = Date.now() - 2000 * (c.podSeries?.length ?? 0);
  c.podSeries?.forEach((samples, i) => samples.forEach((p) => store.recordPod({ ...p, sampledAt: t0 + 2000 * i })));
  if (c.profile) store.setProfile(c.profile);
  store.setVerdict(MODE, c.verdict);
  if (c.stall) store.markStalled(MODE, stallOf(c.stall, c, store));
  return diagnose(evidenceOf(store, MODE));
}

describe('every rule on evidence in the form the engines produce it', () => {
  it.each(CASES.map((c) => [`${c.engine}: ${c.name}`, c] as const))('%s', (_name, c) => {
    expect(c.source.length).toBeGreaterThan(10);
    const d = diagnosed(c);
    expect(d.causes.map((x) => x.id).sort()).toEqual([...c.expect].sort());
    const cause = (id: string) => d.causes.find((x) => x.id === id)!;
    for (const want of c.evidence?.has ?? []) expect(cause(c.evidence!.id).evidence.join('\n')).toContain(want);
    for (const want of c.advice?.has ?? []) expect(cause(c.advice!.id).advice.join('\n')).toContain(want);
    for (const not of c.advice?.lacks ?? []) expect(cause(c.advice!.id).advice.join('\n')).not.toContain(not);
    // A setting or a step logged at INFO is never evidence (issue #36): no cause quotes the pool's settings line.
    for (const x of d.causes) expect(x.evidence.join('\n')).not.toContain('POSTGRES: pooled mode');
  });

  it('leaves no rule that only a signal of the sandbox can fire', () => {
    const fired = new Set(CASES.flatMap((c) => diagnosed(c).causes.map((x) => x.id)));
    expect(RULES.map((r) => r.id).filter((id) => !fired.has(id))).toEqual([]);
  });
});

describe('retries per mode from the real Python retry line (it names the task, not the step; issue #38)', () => {
  const line = pyLine('INFO', "Message: [TASK_SEQ] Retrying task 'fetch_detail' (attempt 2/4)");
  const params = { seedRows: 10, payloadKb: 8, batchSize: 5, maxBatches: 2, preset: null };
  const storeOf = (modes: Mode[]) => {
    const store = new RunStore(
      params,
      modes.map((mode) => ({ mode, expected: 10 })),
    );
    store.setTarget({ kind: 'local', dialect: 'python' });
    return store;
  };

  it('two modes side by side: unknown per mode, never 0', async () => {
    const { retriesShown } = await import('../src/model.js');
    const store = storeOf(['direct_stress', 'chunked_optimal']);
    store.log('worker', 'info', line);
    store.log('worker', 'info', line);
    const snap = store.snapshot();
    for (const m of snap.modes) {
      expect(m.retries).toBe(0);
      expect(m.retriesUnattributed).toBe(2);
      expect(retriesShown(m, snap.target)).toBe('?');
    }
  });

  it('one mode: each line is its retry', async () => {
    const { retriesShown } = await import('../src/model.js');
    const store = storeOf(['direct_stress']);
    store.log('worker', 'info', line);
    const [m] = store.snapshot().modes;
    expect([m.retries, m.retriesUnattributed, retriesShown(m, store.snapshot().target)]).toEqual([1, 0, '1']);
  });
});
