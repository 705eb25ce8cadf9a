// Known failure patterns seen in server, worker and sandbox logs, counted per mode when the line names
// one of the mode's steps, else under '*' (it may concern either), with the first line as the example.
// A line is evidence only at WARN or ERROR, or when it carries a failure word: the legacy engine logs its
// configuration at INFO (`POSTGRES: pooled mode … timeout=30.0s`), and a setting is not an event.
import {
  factsIn,
  isEvidence,
  LOG_PATTERNS,
  stripAnsi,
  type LogFactId,
  type LogHit,
  type LogPatternId,
} from '../diagnosis/patterns.js';
import type { LogLine, Mode } from '../model.js';
import type { ModeState } from './mode-state.js';

/** The tool's own log sources: what it says about itself is not evidence about the engine. */
const OWN_SOURCES = new Set(['loadrun', 'preflight', 'port-forward']);

type Hits = Partial<Record<LogPatternId, LogHit>>;

/**
 * A retry is only logged (no engine writes a retry event): it counts for the mode the line names, or for
 * the only mode running when it names none. Returns [mode, "<task> (log)"] pairs, and the modes it could
 * belong to when it names none of several (the Python worker's line names the task, not the step): for
 * those the count per mode is unknown, not 0.
 */
export function loggedRetries(hit: { ids: LogPatternId[]; owners: string[] }, text: string, modes: Mode[]) {
  if (!hit.ids.includes('task-retry')) return { counted: [], unattributed: [] };
  const m = /task '([^']+)'|task=(\S+)/.exec(text);
  const task = `${m?.[1] ?? m?.[2] ?? '?'} (log)`;
  if (hit.owners[0] === '*' && modes.length > 1) return { counted: [], unattributed: modes };
  const owners = hit.owners[0] === '*' ? modes : (hit.owners as Mode[]);
  return { counted: owners.map((o) => [o, task] as const), unattributed: [] as Mode[] };
}

export class LogHits {
  private readonly hits = new Map<string, Hits>();
  /** The last value of each setting the engine logged (LOG_FACTS). */
  readonly facts: Partial<Record<LogFactId, string>> = {};

  /** Counts the line's hits; returns the ids matched and the modes they were counted for ('*': any). */
  match(
    source: string,
    level: LogLine['level'],
    raw: string,
    modes: Iterable<ModeState>,
  ): { ids: LogPatternId[]; owners: string[] } {
    if (OWN_SOURCES.has(source)) return { ids: [], owners: [] };
    const text = stripAnsi(raw);
    for (const [id, value] of factsIn(text)) this.facts[id] = value;
    if (!isEvidence(level, text)) return { ids: [], owners: [] };
    const all = LOG_PATTERNS.filter((p) => p.re.test(text));
    const superseded = new Set<string>(all.flatMap((p) => ('supersedes' in p ? [...p.supersedes] : [])));
    const matched = all.filter((p) => !superseded.has(p.id));
    if (!matched.length) return { ids: [], owners: [] };
    const owners = [...modes]
      .filter((s) => Object.keys(s.perNode).some((n) => text.includes(n)))
      .map((s) => s.facts.mode as string);
    for (const key of owners.length ? owners : ['*']) {
      const hits = this.hits.get(key) ?? {};
      this.hits.set(key, hits);
      const line = `[${source}] ${text.slice(0, 200)}`;
      for (const p of matched) {
        const h = (hits[p.id] ??= { count: 0, example: line });
        h.count++;
        h.latest = line;
      }
    }
    return { ids: matched.map((p) => p.id), owners: owners.length ? owners : ['*'] };
  }

  /** The hits that may concern a mode: its own and the ones naming no step. */
  of(mode: Mode): Hits {
    const out: Hits = { ...this.hits.get('*') };
    for (const [id, h] of Object.entries(this.hits.get(mode) ?? {}) as Array<[LogPatternId, LogHit]>) {
      out[id] = out[id] ? { count: out[id]!.count + h.count, example: h.example, latest: h.latest } : h;
    }
    return out;
  }
}
