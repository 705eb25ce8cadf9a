// The diagnosis: a rule table that turns the evidence gathered live per mode into likely causes, ranked
// by confidence, each with the evidence lines that support it and the tuning advice that applies. One
// module, stable kebab-case ids (listed in the README). Pure: evidence in, diagnosis out.
import type { Cause, Diagnosis, DiagnosisState } from '../model.js';
import type { LogHit, LogPatternId } from './patterns.js';
import type { Evidence, Rule } from './evidence.js';
import { STALL_RULES } from './stall-rules.js';
import { ADVICE } from './advice.js';
import { ENGINE_RULES, workerLost } from './engine-rules.js';
import { CPU_RULES } from './cpu-rules.js';

export type { Evidence } from './evidence.js';

const hit = (e: Evidence, id: LogPatternId) => e.logHits[id];
const hitLine = (h: LogHit) => `log (${h.count}×): ${h.example}`;
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Evidence from one log pattern alone. */
function fromLog(e: Evidence, id: LogPatternId, confidence: Cause['confidence'] = 'high') {
  const h = hit(e, id);
  return h ? { confidence, evidence: [hitLine(h)] } : undefined;
}

/** A rule whose only evidence is a log pattern (the pattern id is the rule id unless given). */
function logRule(
  id: string,
  title: string,
  advice: string[],
  pattern = id as LogPatternId,
  confidence: Cause['confidence'] = 'high',
): Rule {
  return { id, title, advice, match: (e) => fromLog(e, pattern, confidence) };
}

/** Evidence from pods that match `which` and from a log pattern; high confidence when either has any. */
function podsOrLog(
  e: Evidence,
  which: (p: Evidence['pods'][number]) => boolean,
  describe: (p: Evidence['pods'][number]) => string,
  log?: LogPatternId,
) {
  const pods = e.pods.filter(which);
  const h = log ? hit(e, log) : undefined;
  if (!pods.length && !h) return undefined;
  return { confidence: 'high' as const, evidence: [...pods.map(describe), ...(h ? [hitLine(h)] : [])] };
}

export const RULES: Rule[] = [
  {
    id: 'loop-state-cap',
    title:
      'loop state over its size cap: completions are no longer recorded (the legacy Python engine before noetl/noetl PR #220, 2026-01-26)',
    advice: [ADVICE.upgradeLoopState, ADVICE.batchSize, ADVICE.chunked, ADVICE.referenceFirst],
    match(e) {
      // The put of the loop's state failed on NATS's max_payload and was only logged; the frozen count
      // re-issues the same item, so events keep flowing: a churning stall (noetl-contract §6.7).
      const log = hit(e, 'nats-max-payload');
      if (!log || (e.stall && e.stall.kind !== 'churning')) return undefined;
      return {
        confidence: 'high',
        evidence: [hitLine(log), ...(e.stall ? ['events keep flowing while no row is stored'] : [])],
      };
    },
  },
  logRule('nats-max-payload', 'a message over the NATS max_payload was refused', [
    ADVICE.referenceFirst,
    ADVICE.batchSize,
    ADVICE.upgradeLoopState,
  ]),
  {
    id: 'oom-killed',
    title: 'a pod was OOMKilled',
    advice: [ADVICE.previousLogs, ADVICE.referenceFirst, ADVICE.workerInFlight, ADVICE.batchSize],
    match: (e) =>
      podsOrLog(
        e,
        (p) => p.lastReason === 'OOMKilled',
        (p) => `pod ${p.name}: last state OOMKilled, ${p.restarts ?? 0} restart(s)`,
        'oom',
      ),
  },
  workerLost,
  ...CPU_RULES,
  ...ENGINE_RULES,
  {
    id: 'http-retries',
    title: 'the http step keeps failing and retrying (errors or timeouts from the endpoint)',
    advice: ['Check the endpoint the http step calls (details_api_url)', ADVICE.httpPool],
    match(e) {
      // Retries are only logged by either engine (no event): Python at INFO, Rust at DEBUG, and its
      // exhaustion at ERROR on both (patterns.ts).
      const log = hit(e, 'task-retry') ?? hit(e, 'retry-exhausted') ?? hit(e, 'http-error');
      const retries = sum(e.retriesPerNode);
      if (!log && !retries) return undefined;
      const restarted = e.pods.some((p) => (p.restarts ?? 0) > 0);
      if (!log && !Object.keys(e.retriesPerNode).some((n) => /http|fetch|detail/i.test(n)) && restarted)
        return undefined;
      const lines = Object.entries(e.retriesPerNode).map(([n, c]) => `${c} retr${c === 1 ? 'y' : 'ies'} on ${n}`);
      return { confidence: log ? 'high' : 'medium', evidence: [...lines, ...(log ? [hitLine(log)] : [])] };
    },
  },
  ...STALL_RULES,
  logRule(
    'crash-loop',
    'a container keeps crashing and is restarted with back-off (CrashLoopBackOff)',
    [ADVICE.previousLogs, ADVICE.workers],
    'crash-loop',
  ),
  logRule(
    'unschedulable',
    'pods cannot be scheduled: the cluster lacks CPU or memory for them',
    ["Free or add capacity, or lower the pods' requests (kubectl describe pod)", ADVICE.chunkParallelism],
    'unschedulable',
  ),
  logRule(
    'timeouts',
    'calls time out',
    ['Check the slow dependency named in the log line', ADVICE.workerInFlight],
    'timeout',
    'medium',
  ),
  {
    id: 'cpu-saturation',
    title: 'a pod runs at a full core while nothing progresses',
    advice: [ADVICE.workerInFlight, ADVICE.chunkParallelism],
    match(e) {
      const busy = e.stall ? e.pods.filter((p) => p.role !== 'observer' && (p.cpuMillicores ?? 0) >= 900) : [];
      return busy.length
        ? { confidence: 'low', evidence: busy.map((p) => `pod ${p.name}: ${p.cpuMillicores}m CPU at the stall`) }
        : undefined;
    },
  },
  {
    id: 'memory-growth',
    title: 'pod memory grows through the run',
    advice: [ADVICE.referenceFirst, ADVICE.chunked],
    match(e) {
      // Postgres grows its caches by design: its memory is not evidence of a leak in the engine.
      const grown = e.pods.filter((p) => p.role !== 'postgres' && p.growthMiB !== null && p.growthMiB >= 256);
      return grown.length
        ? {
            confidence: 'low',
            evidence: grown.map((p) => `pod ${p.name}: +${p.growthMiB} MiB (peak ${p.peakMiB} MiB)`),
          }
        : undefined;
    },
  },
];

const RANK = { high: 0, medium: 1, low: 2 };

function stateOf(e: Evidence): DiagnosisState {
  // A stall open while the run goes on (an episode) is a stall now, as at the end.
  if (e.verdict === 'stalled' || (e.verdict === 'running' && e.stall))
    return e.stall?.kind === 'churning' ? 'stalled-churning' : 'stalled-silent';
  if (e.verdict === 'running') return e.slow ? 'slow' : 'progressing';
  return e.verdict;
}

/** The facts worth showing beside (or, when nothing matches, instead of) the causes. */
function factsOf(e: Evidence): string[] {
  const out = [`${e.storedRows}/${e.expected} rows stored, ${e.rowsPerSecond.toFixed(1)} rows/s`];
  if (e.stall)
    out.push(
      `no progress for ${e.stall.idleSeconds}s (${e.stall.kind}: ${e.stall.eventsSinceProgress} events since), max persisted item_id ${e.stall.maxPersistedItemId ?? '-'}`,
    );
  if (e.stall?.lastEvents?.length) out.push(`last events: ${e.stall.lastEvents.join('; ')}`);
  if (e.stall && e.retriesNote && !sum(e.retriesPerNode)) out.push(e.retriesNote);
  if (e.openExecutions.length && e.verdict !== 'running')
    out.push(`executions with no terminal event: ${e.openExecutions.join(', ')}`);
  return out;
}

/**
 * The causes named during stall episodes that ended (the run went on): kept after them, with how often and
 * what ended them, so a run that completed after three flat windows still says why they were flat.
 */
function episodeCauses(e: Evidence, named: Cause[]): Cause[] {
  const ended = (e.episodes ?? []).filter((x) => x.endedAt !== null && x.cause);
  const out: Cause[] = [];
  for (const id of new Set(ended.map((x) => x.cause!))) {
    const rule = RULES.find((r) => r.id === id);
    if (!rule || named.some((c) => c.id === id)) continue;
    const these = ended.filter((x) => x.cause === id);
    out.push({
      id,
      title: rule.title,
      confidence: 'high',
      evidence: [
        `named during ${these.length} stall episode(s) that ended (${these.map((x) => `${Math.round((x.endedAt! - x.since) / 1000)}s`).join(', ')})`,
        ...[...new Set(these.map((x) => x.endedBy).filter(Boolean))].slice(0, 3).map((b) => `ended by ${b}`),
      ],
      advice: rule.advice,
    });
  }
  return out;
}

export function diagnose(e: Evidence): Diagnosis {
  const causes: Cause[] = [];
  // A healthy run (completed, every expected row stored) keeps only what happened for sure (a worker lost
  // and replaced, retries): a low-confidence guess such as memory growth explains nothing there (the
  // sandbox server grows by design while it holds 220 KB payloads).
  const healthy = e.verdict === 'completed' && e.storedRows >= e.expected;
  for (const r of RULES) {
    const m = r.match(e);
    if (m && !(healthy && m.confidence === 'low'))
      causes.push({
        id: r.id,
        title: r.title,
        confidence: m.confidence,
        evidence: m.evidence,
        advice: m.advice ?? r.advice,
      });
  }
  causes.push(...episodeCauses(e, causes));
  causes.sort((a, b) => RANK[a.confidence] - RANK[b.confidence]);
  const state = stateOf(e);
  if (!causes.length && state.startsWith('stalled')) {
    causes.push({
      id: 'unknown',
      title: 'no known cause matched: the facts below are what is known',
      confidence: 'low',
      evidence: factsOf(e),
      advice: [ADVICE.batchSize, ADVICE.chunked],
    });
  }
  return { state, causes, facts: factsOf(e) };
}
