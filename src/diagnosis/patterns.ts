// Log lines that name a known failure, matched as lines arrive (server, worker and sandbox logs), with
// ANSI colour codes stripped first (the Rust services log through tracing's fmt layer in colour). Each
// pattern has a stable id the rules refer to, and sample lines in the format an engine writes, each with
// where it comes from: a line of the real legacy engine seen here (noetl 4.26.0), or the upstream code
// that writes it (test/diagnosis.test.ts runs every pattern on its samples).
export const LOG_PATTERNS = [
  {
    id: 'nats-max-payload',
    re: /maximum payload exceeded|MaxPayloadExceeded/i,
    samples: [
      [
        'loop run_direct_stress: loop state put of 1100000 bytes failed: nats: maximum payload exceeded',
        "nats-py's MaxPayloadError text; the legacy KV append logged the failed put (noetl-contract §6.7)",
      ],
    ],
  },
  {
    id: 'pool-exhausted',
    re: /pool (is )?exhausted|too many (clients|connections)|connection pool .*(timed out|timeout)|remaining connection slots|pool timed out while waiting for an open connection|pool[_ ]saturated|couldn't get a connection after/i,
    samples: [
      [
        'ERROR noetl_server::error: Database error error=pool timed out while waiting for an open connection',
        'noetl/server src/error.rs 111-112 (sqlx PoolTimedOut)',
      ],
      ['HTTP 503 pool_saturated', 'noetl/noetl noetl/server/api/core/batch.py 675'],
      [
        "Message: Postgres task execution error: couldn't get a connection after 30.00 sec",
        'noetl 4.26.0 worker, seen here (psycopg_pool PoolTimeout)',
      ],
    ],
  },
  {
    id: 'timeout',
    // Not `timeout=30.0s`: a setting, as the legacy worker logs its Postgres pool at INFO.
    re: /(?<!pool )timed? ?out(?! while waiting for an open connection)(?!\s*[=:]\s*\d)|deadline exceeded|TimeoutException/i,
    samples: [
      [
        'HTTP.EXECUTE_HTTP_TASK: RequestError - Request error: timed out',
        "noetl 4.26.0 tools/http/executor.py 420-422: httpx's ReadTimeout is a RequestError, so its TimeoutException branch (435-437) never runs; str() of a read timeout is 'timed out' (httpx of that venv, tried here)",
      ],
    ],
  },
  {
    id: 'child-timeout',
    // The legacy playbook tool giving up on a child execution (before 2.8.5 it never saw one end).
    re: /Sub-playbook \S+ timed out after \d+/,
    // A consequence (the tool's own wait ran out), not a slow dependency: `timeout` does not count it.
    supersedes: ['timeout'],
    samples: [
      [
        'WARNING - Sub-playbook 776041821259431988 timed out after 75s',
        'noetl 2.8.4 noetl/worker/v2_worker_nats.py 2189 (logger.warning), seen here with --child-timeout 75s',
      ],
    ],
  },
  {
    id: 'oom',
    re: /OOMKill|out of memory|oom-kill/i,
    samples: [['Last State: Terminated Reason: OOMKilled', 'kubectl describe pod']],
  },
  {
    id: 'crash-loop',
    re: /CrashLoopBackOff|Back-off restarting failed container/i,
    samples: [['Back-off restarting failed container worker', 'kubelet event']],
  },
  {
    id: 'unschedulable',
    re: /FailedScheduling|Insufficient (cpu|memory)|Unschedulable/i,
    samples: [['0/3 nodes are available: 3 Insufficient memory.', 'kube-scheduler FailedScheduling']],
  },
  {
    id: 'task-retry',
    re: /\[TASK_SEQ\] Retrying task '[^']+' \(attempt \d+\/\d+\)|task_sequence: retrying task=\S+ attempt=\d+/,
    samples: [
      [
        "Message: [TASK_SEQ] Retrying task 'fetch_detail' (attempt 2/4)",
        'noetl/noetl noetl/worker/task_sequence_executor.py 698-701 (INFO)',
      ],
      [
        'DEBUG noetl_tools::task_sequence: task_sequence: retrying task=fetch_detail attempt=2 attempts=4',
        'noetl/tools src/tools/task_sequence.rs 656-672 (DEBUG: hidden at RUST_LOG=info)',
      ],
    ],
  },
  {
    id: 'retry-exhausted',
    re: /\[TASK_SEQ\] Task '[^']+' exceeded max attempts|task_sequence: retry exhausted task=\S+/,
    samples: [
      [
        "Message: [TASK_SEQ] Task 'fetch_detail' exceeded max attempts (4)",
        'noetl/noetl noetl/worker/task_sequence_executor.py 685 (ERROR)',
      ],
      [
        'ERROR noetl_tools::task_sequence: task_sequence: retry exhausted task=fetch_detail attempts=4',
        'noetl/tools src/tools/task_sequence.rs 633-637 (ERROR)',
      ],
    ],
  },
  {
    id: 'http-error',
    re: /HTTP\.EXECUTE_HTTP_TASK: RequestError|Command execution failed .*error=HTTP error/,
    samples: [
      [
        'HTTP.EXECUTE_HTTP_TASK: RequestError - All connection attempts failed',
        'noetl/noetl noetl/tools/http/executor.py 422',
      ],
      [
        'ERROR noetl_worker::worker: Command execution failed execution_id=1 command_id=2 step=run_direct_stress error=HTTP error: error sending request for url (http://x/)',
        // So `timeouts` cannot name a Rust timeout: this is the text of both.
        'noetl/worker src/worker.rs 647-653; the tool error is the same for a refused connection and a timeout (noetl-tools 4.2.0 in PyPI noetl 5.3.2, both tried here: a hung server gave it after the 30 s default)',
      ],
    ],
  },
] as const;

export type LogPatternId = (typeof LOG_PATTERNS)[number]['id'];

export interface LogHit {
  count: number;
  /** The first line matched. */
  example: string;
  /** The newest line matched. */
  latest?: string;
}

/**
 * Settings an engine logs at INFO that the advice quotes (never evidence of a failure): each a regex whose
 * first group is the figures to quote.
 */
export const LOG_FACTS = [
  {
    id: 'pg-pool',
    // noetl 4.26.0 noetl/tools/postgres/executor.py 281; sizes from tools/postgres/pool.py 62-65.
    re: /POSTGRES: pooled mode pool=\S+ (min=\d+ max=\d+ waiting=\d+ timeout=[\d.]+s)/,
  },
] as const;

export type LogFactId = (typeof LOG_FACTS)[number]['id'];

/** The settings a line states, by id. */
export function factsIn(text: string): Array<[LogFactId, string]> {
  const out: Array<[LogFactId, string]> = [];
  for (const f of LOG_FACTS) {
    const m = f.re.exec(text);
    if (m) out.push([f.id, m[1]]);
  }
  return out;
}

/** Words that make a line at INFO a report of a failure rather than a setting or a step taken. */
const FAILURE_WORDS =
  /\b(error|errors|failed|failure|fails|exception|refused|couldn't|could not|unable|timed out|exceeded|exhausted|retrying|killed|denied|saturated)\b/i;

/** A matched line counts as evidence at WARN or ERROR, or at INFO only with a failure word in it. */
export function isEvidence(level: 'info' | 'warn' | 'error', text: string): boolean {
  return level !== 'info' || FAILURE_WORDS.test(text);
}

// CSI and OSC sequences (colours, hyperlinks) as terminals and tracing's fmt layer write them.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g;

export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}
