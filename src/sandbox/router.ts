// Which arcs a step's `next` router takes, when the step has ended. exclusive: the first arc that holds;
// inclusive: every one that holds (noetl 4.26.0 core/dsl/engine/models/workflow.py NextSpec; the dialects
// that route by it: dsl.ts DslRules.nextModes).
import type { Arc, Step } from './dsl.js';
import { renderString, truthy } from './templates.js';

export function takenArcs(step: Step, ctx: Record<string, unknown>): Arc[] {
  const holds = (a: Arc) => a.when === undefined || truthy(renderString(a.when, ctx));
  if (step.inclusive) return step.arcs.filter(holds);
  const first = step.arcs.find(holds);
  return first ? [first] : [];
}

/** The targets of the arcs not taken that have not run yet: the engines write step.skipped for them. */
export function untaken(step: Step, taken: Arc[], entered: ReadonlySet<string>): string[] {
  const go = new Set(taken.map((a) => a.step));
  return [...new Set(step.arcs.map((a) => a.step).filter((s) => !go.has(s) && !entered.has(s)))];
}
