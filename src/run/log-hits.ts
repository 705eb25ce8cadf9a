// Known failure patterns seen in server, worker and sandbox logs, counted per mode when the line names
// one of the mode's steps, else under '*' (it may concern either), with the first line as the example.
import { LOG_PATTERNS, stripAnsi, type LogHit, type LogPatternId } from '../diagnosis/patterns.js';
import type { Mode } from '../model.js';
import type { ModeState } from './mode-state.js';

/** The tool's own log sources: what it says about itself is not evidence about the engine. */
const OWN_SOURCES = new Set(['loadrun', 'preflight', 'port-forward']);

type Hits = Partial<Record<LogPatternId, LogHit>>;

export class LogHits {
  private readonly hits = new Map<string, Hits>();

  match(source: string, raw: string, modes: Iterable<ModeState>): void {
    if (OWN_SOURCES.has(source)) return;
    const text = stripAnsi(raw);
    const matched = LOG_PATTERNS.filter((p) => p.re.test(text));
    if (!matched.length) return;
    const owners = [...modes]
      .filter((s) => Object.keys(s.perNode).some((n) => text.includes(n)))
      .map((s) => s.facts.mode as string);
    for (const key of owners.length ? owners : ['*']) {
      const hits = this.hits.get(key) ?? {};
      this.hits.set(key, hits);
      for (const p of matched) (hits[p.id] ??= { count: 0, example: `[${source}] ${text.slice(0, 200)}` }).count++;
    }
  }

  /** The hits that may concern a mode: its own and the ones naming no step. */
  of(mode: Mode): Hits {
    const out: Hits = { ...this.hits.get('*') };
    for (const [id, h] of Object.entries(this.hits.get(mode) ?? {}) as Array<[LogPatternId, LogHit]>) {
      out[id] = out[id] ? { count: out[id]!.count + h.count, example: h.example } : h;
    }
    return out;
  }
}
