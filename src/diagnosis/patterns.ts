// Log lines that name a known failure, matched as lines arrive (server, worker and sandbox logs). Each
// pattern has a stable id the rules refer to. Sources: the NATS max_payload failure of the legacy loop
// state (noetl-contract §6.7), pool exhaustion and timeouts (the fixture README's list of stall causes),
// OOM kills, worker processes that exit, and the sandbox's own emulation lines.
export const LOG_PATTERNS = [
  { id: 'nats-max-payload', re: /maximum payload exceeded|MaxPayloadExceeded/i },
  {
    id: 'pool-exhausted',
    re: /pool (is )?exhausted|too many (clients|connections)|connection pool .*(timed out|timeout)|remaining connection slots/i,
  },
  { id: 'timeout', re: /timed? ?out|deadline exceeded/i },
  { id: 'oom', re: /OOMKill|out of memory|oom-kill/i },
  { id: 'crash-loop', re: /CrashLoopBackOff|Back-off restarting failed container/i },
  { id: 'unschedulable', re: /FailedScheduling|Insufficient (cpu|memory)|Unschedulable/i },
  { id: 'worker-exited', re: /worker \d+ exited|worker .*(lost|died|killed)|restarting it/i },
  { id: 'http-5xx-retry', re: /retry \d+\/\d+ of \S+: HTTP 5\d\d|HTTP (500|502|503|504) from/i },
  { id: 'loop-state-rejected', re: /state write of \d+ bytes rejected|records no more completions/i },
] as const;

export type LogPatternId = (typeof LOG_PATTERNS)[number]['id'];

export interface LogHit {
  count: number;
  example: string;
}
