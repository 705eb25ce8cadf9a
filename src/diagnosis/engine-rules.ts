// The rules that read the engine's own processes (their CPU is in cpu-rules.ts): a mode whose commands no
// worker is free to claim while the other mode's hold them all, work lost with a worker that died, and which
// connection pool ran out.
import { inFlight, inFlightOf, type Evidence, type Rule } from './evidence.js';
import { ADVICE } from './advice.js';
import type { LogHit } from './patterns.js';

const liveWorkers = (e: Evidence) => e.pods.filter((p) => p.role === 'worker' && !p.exited);
/** A pool-exhaustion line: which pool ran out, and the advice for that pool. */
function poolOf(h: LogHit, e: Evidence): { evidence: string[]; advice: string[] } {
  const line = `log (${h.count}×): ${h.example}`;
  if (/httpx|http pool|http connection pool/i.test(h.example))
    return { evidence: [line], advice: [ADVICE.httpPool, ADVICE.workerInFlight] };
  if (/pool_saturated/.test(h.example))
    return { evidence: [line], advice: [ADVICE.serverPool, ADVICE.workerInFlight, ADVICE.chunkParallelism] };
  const figures = e.logFacts?.['pg-pool'];
  return {
    evidence: [line, ...(figures ? [`the worker's Postgres plugin pool, as its log states it: ${figures}`] : [])],
    advice: [ADVICE.pgPool(figures), ADVICE.workerInFlight, ADVICE.chunkParallelism],
  };
}

export const ENGINE_RULES: Rule[] = [
  {
    id: 'event-batch-failed',
    title:
      "the server failed processing the worker's events (batch.failed): the run stops there, with no terminal event",
    advice: [
      "Read the batch.failed event's error (noetl.event.error) or the server log's '[BATCH-EVENTS] Processing failed' line",
      'A template the Python engine cannot render stops it so (a loop over a result field it does not have): check-playbook --engine python names them',
    ],
    match(e) {
      // noetl 4.26.0 noetl/server/api/core/batch.py 630-650: a batch whose processing raises is recorded as
      // batch.failed and nothing follows it (seen here: a loop's `in` over command_0 of a postgres result).
      const n = e.eventsByType['batch.failed'] ?? 0;
      if (!n) return undefined;
      return { confidence: 'high', evidence: [`batch.failed ${n}× on events.batch`] };
    },
  },
  {
    id: 'mode-starved',
    title: "this mode's commands wait unclaimed while the other mode's commands hold every worker",
    advice: [ADVICE.sequential, ADVICE.localWorkers],
    match(e) {
      // Commands of this mode wait unclaimed and none of its commands is running, while another mode holds
      // commands (its first command never claimed, or later ones after it ran for a while).
      const counts = Object.values(e.perNode);
      const pending = counts.reduce((n, c) => n + Math.max(0, c.issued - Math.max(c.claimed, c.started)), 0);
      const running = inFlightOf(e.perNode);
      if (!pending || running > 0 || (!e.stall && (e.ageSeconds ?? 0) < 20)) return undefined;
      const busy = (e.others ?? []).filter((o) => o.inFlight > 0);
      if (!busy.length) return undefined;
      const workers = liveWorkers(e).length;
      return {
        confidence: 'high',
        evidence: [
          `${pending} command(s) issued and not claimed, none of this mode's running${e.ageSeconds !== undefined ? `, ${e.ageSeconds} s after launch` : ''}`,
          ...busy.map(
            (o) =>
              `${o.mode}: ${o.inFlight} command(s) claimed and unfinished${workers ? ` on ${workers} worker(s)` : ''}`,
          ),
        ],
        advice: [ADVICE.sequential, e.targetKind === 'local' ? ADVICE.localWorkers : ADVICE.workerReplicas],
      };
    },
  },
  {
    id: 'pool-exhausted',
    title: 'a connection pool ran out',
    advice: [ADVICE.workerInFlight, ADVICE.chunkParallelism],
    match(e) {
      const h = e.logHits['pool-exhausted'];
      return h ? { confidence: 'high', ...poolOf(h, e) } : undefined;
    },
  },
];

/** Workers that died (not replaced) or were restarted, and the commands they held that never finished. */
export const workerLost: Rule = {
  id: 'worker-lost',
  title: 'worker processes died: the commands they held were lost or re-dispatched',
  advice: [ADVICE.previousLogs, ADVICE.workerInFlight],
  match(e) {
    const restarted = e.pods.filter((p) => (p.restarts ?? 0) > 0 && p.lastReason !== 'OOMKilled');
    const dead = e.pods.filter((p) => p.role === 'worker' && p.exited);
    if (!restarted.length && !dead.length) return undefined;
    const held = Object.entries(e.perNode).filter(([, c]) => inFlight(c) > 0);
    const idle = e.stall !== null || e.verdict !== 'running';
    return {
      confidence: 'high',
      evidence: [
        ...restarted.map((p) => `pod ${p.name}: ${p.restarts} restart(s), last ${p.lastReason ?? 'unknown'}`),
        ...dead.map((p) => `${p.name}: ${p.exited}, nothing restarted it`),
        ...(idle
          ? held.map(
              ([n, c]) =>
                `${n}: ${inFlight(c)} command(s) claimed and started, never completed; ${
                  c.claimed > c.issued
                    ? `${c.claimed - c.issued} claimed again (redelivered)`
                    : 'none claimed again (not redelivered)'
                }`,
            )
          : []),
      ],
      advice:
        dead.length && e.targetKind === 'local'
          ? [ADVICE.lostCommands, ADVICE.workerInFlight]
          : [ADVICE.previousLogs, ADVICE.workerInFlight],
    };
  },
};
