// Every rule of the diagnosis on evidence in the form a real engine produces it (issue #26): event
// sequences with the types, nodes and statuses each engine writes, log lines as its logger formats them
// (tracing's coloured fmt for Rust, the Python logger's "Message:" lines), and pod states as kubectl
// reports them. Each case names where its form comes from. The cases go through the same store and
// evidence code as a live run. A rule that fires on no case here reads a signal no engine writes.
import { describe, expect, it } from 'vitest';
import { diagnose, RULES } from '../src/diagnosis/rules.js';
import type { Mode, NoetlEvent, PodSample, StallFacts } from '../src/model.js';
import { evidenceOf } from '../src/run/evidence.js';
import { RunStore } from '../src/run/store.js';

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
  /** The rows were stored after the last event arrived (else the poll saw them with the events). */
  rowsAfterEvents?: boolean;
  /** Child executions (chunk windows) with their own events. */
  children?: Ev[][];
  verdict: 'completed' | 'running' | 'stalled';
  stall?: 'silent' | 'churning';
  stored: number;
  expect: string[];
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
const pyLine = (level: string, msg: string) =>
  `2026-12-05 06:00:00,000 [${level}] noetl.worker.task_sequence_executor:563\n Message: ${msg}`;
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
    source: 'worker src/executor/command.rs 1005-1033 (command.completed error); tools task_sequence.rs 633-637',
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
    name: 'the endpoint timing out',
    source: 'noetl/noetl noetl/tools/http/executor.py 437',
    events: [...start('python'), ...times(5, () => command('python', seq('python')))],
    logs: [['worker', pyLine('ERROR', 'HTTP.EXECUTE_HTTP_TASK: TimeoutException - Request timeout: ')]],
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

function diagnosed(c: Case) {
  const store = new RunStore({ seedRows: EXPECTED, payloadKb: 256, batchSize: 40, maxBatches: 6, preset: null }, [
    { mode: MODE, expected: EXPECTED },
  ]);
  store.setTarget({ kind: 'cluster', dialect: c.engine });
  const id = '583461712347136001';
  store.markLaunched(MODE, id);
  const rows = () =>
    store.recordRows(MODE, {
      ...{ storedRows: c.stored, okRows: c.stored, minItemId: c.stored ? 1 : null, maxItemId: c.stored || null },
      ...{ avgRequestBytes: 0, avgResponseBytes: 0, firstAt: null, lastAt: null, perBatch: {} },
    });
  if (!c.rowsAfterEvents) rows();
  const events: NoetlEvent[] = c.events.map(([type, node, status], i) => ({
    eventId: String(583461712347136100n + BigInt(i)),
    executionId: id,
    type,
    node,
    status,
    createdAt: null,
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
  if (c.rowsAfterEvents) rows();
  for (const [source, line] of c.logs ?? []) store.log(source, 'info', line);
  for (const p of c.pods ?? []) store.recordPod({ ...p, sampledAt: Date.now() });
  store.setVerdict(MODE, c.verdict);
  if (c.stall) store.markStalled(MODE, stallOf(c.stall, c, store));
  return diagnose(evidenceOf(store, MODE));
}

describe('every rule on evidence in the form the engines produce it', () => {
  it.each(CASES.map((c) => [`${c.engine}: ${c.name}`, c] as const))('%s', (_name, c) => {
    expect(c.source.length).toBeGreaterThan(10);
    expect(
      diagnosed(c)
        .causes.map((x) => x.id)
        .sort(),
    ).toEqual([...c.expect].sort());
  });

  it('leaves no rule that only a signal of the sandbox can fire', () => {
    const fired = new Set(CASES.flatMap((c) => diagnosed(c).causes.map((x) => x.id)));
    expect(RULES.map((r) => r.id).filter((id) => !fired.has(id))).toEqual([]);
  });
});
