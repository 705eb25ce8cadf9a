// The rules that read the engine's CPU: its workers or its server at a full core, with the figures, the
// CPU-seconds each stored row cost, and, where a stack sampler ran (py-spy on the local engine), the
// functions the CPU went to. The sandbox's processes are the emulator's: these rules never read them.
import path from 'node:path';
import type { Evidence, Rule } from './evidence.js';
import { ADVICE } from './advice.js';

type Pod = Evidence['pods'][number];

const pct = (x: number) => `${Math.round(x * 100)}%`;
const engineOf = (e: Evidence) =>
  e.pods.filter((p) => (p.role === 'worker' || p.role === 'server') && !p.exited && p.cpu && p.cpu.samples >= 5);
const cpuSecondsOf = (pods: Pod[]) => pods.reduce((n, p) => n + p.cpu!.cpuSeconds, 0);

/**
 * A run that completed with every row is named slow for its CPU only when each row cost the engine at least
 * this many CPU-seconds, and the processes named sat at a full core for at least SLOW_BUSY_SECONDS: a clean
 * small run (about 1 CPU-second a row here) names nothing; 24 rows of 64 KB (12 a row) do, and so do 6 rows
 * of 64 KB (the server about 30 s at a full core once the tool's own /status reads were budgeted: it had been
 * 90 s with them, poll-plan.ts).
 */
export const SLOW_CPU_PER_ROW = 5;
export const SLOW_BUSY_SECONDS = 20;

const healthy = (e: Evidence) => e.verdict === 'completed' && e.storedRows >= e.expected;

/** A healthy run's CPU figures when they make it slow: the engine's CPU per row and enough busy time. */
function slowHealthy(e: Evidence, named: Pod[]): boolean {
  const perRow = e.storedRows ? cpuSecondsOf(engineOf(e)) / e.storedRows : 0;
  return perRow >= SLOW_CPU_PER_ROW && named.every((p) => p.cpu!.busySeconds >= SLOW_BUSY_SECONDS);
}

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
const cpuLine = (p: Pod) =>
  `${p.name}: ${p.cpu!.meanMillicores}m CPU on average, at a full core in ${pct(p.cpu!.busyShare)} of ${p.cpu!.samples} samples (${Math.round(p.cpu!.busySeconds)} s)${p.cpu!.streak >= 3 ? `, the last ${p.cpu!.streak} in a row` : ''}`;

/** The engine's CPU for the stored rows, as one evidence line. */
function perRowLine(e: Evidence, pods: Pod[], who: string): string {
  const s = cpuSecondsOf(pods);
  const all = cpuSecondsOf(engineOf(e));
  const perRow = e.storedRows
    ? `, ${(all / e.storedRows).toFixed(1)} engine CPU-seconds per row stored`
    : ', no row stored';
  return `${Math.round(s)} ${who} CPU-seconds of the engine's ${Math.round(all)}${perRow}; ${e.rowsPerSecond.toFixed(2)} rows/s`;
}

export const CPU_RULES: Rule[] = [
  {
    id: 'workers-cpu-bound',
    title: "the engine's workers run at a full core: each item costs them CPU, so rows trickle",
    advice: [ADVICE.localWorkers, ADVICE.payloadSize],
    match(e) {
      if (e.targetKind === 'sandbox') return undefined;
      const workers = engineOf(e).filter((p) => p.role === 'worker');
      if (!workers.length) return undefined;
      // While it runs: every worker busy most of the time. Once done: the workers did most of the engine's work.
      const done = healthy(e);
      const bound = done
        ? cpuSecondsOf(workers) >= 0.5 * cpuSecondsOf(engineOf(e)) && slowHealthy(e, workers)
        : workers.every((p) => p.cpu!.busyShare >= 0.6);
      if (!bound) return undefined;
      return {
        confidence: done ? 'medium' : 'high',
        evidence: [...workers.map(cpuLine), perRowLine(e, workers, 'worker'), ...profileLine(e, 'worker')],
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
      const server = engineOf(e).find((p) => p.role === 'server');
      if (!server) return undefined;
      // While it runs: at a full core for the last 5 samples or half the run. Once done: a third of the work.
      const done = healthy(e);
      const bound = done
        ? cpuSecondsOf([server]) >= 0.3 * cpuSecondsOf(engineOf(e)) && slowHealthy(e, [server])
        : server.cpu!.streak >= 5 || server.cpu!.busyShare >= 0.5;
      if (!bound) return undefined;
      return {
        confidence: done ? 'medium' : 'high',
        evidence: [cpuLine(server), perRowLine(e, [server], 'server'), ...profileLine(e, 'server')],
        advice: cpuAdvice(e, 'server'),
      };
    },
  },
];
