// The rules that read the engine's own processes: workers at a full core (and, where a stack sampler ran,
// the functions they burn it in), a mode whose commands no worker is free to claim while the other mode's
// hold them all, work lost with a worker that died, and which connection pool ran out.
import path from 'node:path';
import type { Evidence, Rule } from './evidence.js';
import { ADVICE } from './advice.js';
import type { LogHit } from './patterns.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const inFlight = (c: { claimed: number; started: number; completed: number; failed: number }) =>
  Math.max(0, Math.max(c.claimed, c.started) - c.completed - c.failed);
const liveWorkers = (e: Evidence) => e.pods.filter((p) => p.role === 'worker' && !p.exited);
/**
 * A run that completed with every row is slow for this reason only when the engine sat at a full core for
 * at least this long; below it, a busy moment is no cause (low, and a healthy run keeps no low cause).
 */
export const SLOW_BUSY_SECONDS = 30;
const confidenceOf = (e: Evidence, busySeconds: number) =>
  e.verdict !== 'completed' || e.storedRows < e.expected
    ? ('high' as const)
    : busySeconds >= SLOW_BUSY_SECONDS
      ? ('medium' as const)
      : ('low' as const);

/** The hottest functions a stack sampler saw in the processes of a role, as one evidence line. */
function profileLine(e: Evidence, role: string): string[] {
  const p = e.profiles?.find((x) => x.role === role);
  if (!p || !p.top.length) return [];
  const top = p.top.slice(0, 3).map((f) => `${path.basename(f.file)} ${f.fn} ${pct(f.share)}`);
  return [
    `hottest functions (${p.tool}, ${p.samples} samples over ${p.seconds} s of ${p.pods.join(', ')}): ${top.join(', ')}`,
  ];
}

/** What to do about a busy engine: the hot function's own fix where one is known, then more workers. */
function cpuAdvice(e: Evidence, role: string): string[] {
  const out: string[] = [];
  if (e.profiles?.find((x) => x.role === role)?.top[0]?.fn === 'redact_url_credentials')
    out.push(ADVICE.redactionRegex);
  if (e.targetKind === 'cluster') out.push(ADVICE.pySpyCluster);
  if (role === 'worker') out.push(e.targetKind === 'local' ? ADVICE.localWorkers : ADVICE.workerReplicas);
  out.push(ADVICE.payloadSize);
  return out;
}

/** A process's CPU over the run as one evidence line. */
const cpuLine = (p: Evidence['pods'][number]) =>
  `${p.name}: ${p.cpu!.meanMillicores}m CPU on average, at a full core in ${pct(p.cpu!.busyShare)} of ${p.cpu!.samples} samples${p.cpu!.streak >= 3 ? ` (the last ${p.cpu!.streak} in a row)` : ''}`;

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
    id: 'workers-cpu-bound',
    title: "the engine's workers run at a full core: each item costs them CPU, so rows trickle",
    advice: [ADVICE.localWorkers, ADVICE.payloadSize],
    match(e) {
      // The sandbox's processes are the emulator's, not an engine's: their CPU says nothing of NoETL.
      if (e.targetKind === 'sandbox') return undefined;
      const workers = liveWorkers(e).filter((p) => p.cpu && p.cpu.samples >= 5);
      if (!workers.length || workers.some((p) => p.cpu!.busyShare < 0.6)) return undefined;
      const seconds = workers.reduce((n, p) => n + p.cpu!.cpuSeconds, 0);
      const perRow = e.storedRows ? `, ${(seconds / e.storedRows).toFixed(1)} per row stored` : ', no row stored';
      return {
        confidence: confidenceOf(e, Math.min(...workers.map((p) => p.cpu!.busySeconds))),
        evidence: [
          ...workers.map(cpuLine),
          `${Math.round(seconds)} worker CPU-seconds${perRow}; ${e.rowsPerSecond.toFixed(2)} rows/s`,
          ...profileLine(e, 'worker'),
        ],
        advice: cpuAdvice(e, 'worker'),
      };
    },
  },
  {
    id: 'server-cpu-bound',
    title: 'the NoETL server runs at a full core while the mode waits on it',
    advice: [ADVICE.payloadSize],
    match(e) {
      if (e.targetKind === 'sandbox') return undefined;
      const server = e.pods.find((p) => p.role === 'server' && !p.exited && p.cpu && p.cpu.samples >= 5);
      // Now at a full core for 5 samples in a row, or for half the run.
      const done = e.verdict === 'completed';
      if (!server || ((done || server.cpu!.streak < 5) && server.cpu!.busyShare < 0.5)) return undefined;
      return {
        confidence: confidenceOf(e, server.cpu!.busySeconds),
        evidence: [cpuLine(server), ...profileLine(e, 'server')],
        advice: cpuAdvice(e, 'server'),
      };
    },
  },
  {
    id: 'mode-starved',
    title: "this mode's commands wait unclaimed while the other mode's commands hold every worker",
    advice: [ADVICE.sequential, ADVICE.localWorkers],
    match(e) {
      const counts = Object.values(e.perNode);
      const issued = counts.reduce((n, c) => n + c.issued, 0);
      const taken = counts.reduce((n, c) => n + c.claimed + c.started, 0);
      if (!issued || taken > 0 || (!e.stall && (e.ageSeconds ?? 0) < 20)) return undefined;
      const busy = (e.others ?? []).filter((o) => o.inFlight > 0);
      if (!busy.length) return undefined;
      const workers = liveWorkers(e).length;
      return {
        confidence: 'high',
        evidence: [
          `${issued} command(s) issued${e.ageSeconds !== undefined ? ` in ${e.ageSeconds} s since launch` : ''}, none claimed`,
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
