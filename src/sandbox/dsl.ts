// The NoETL DSL v2 subset the sandbox executes (fixture-spec.md). Anything outside it is refused at
// register time with an error that names the feature and where it is.
import YAML from 'yaml';
import { STRICT_DSL, type DslRules } from './dsl-rules.js';

export interface ToolSpec {
  name?: string;
  kind: 'python' | 'http' | 'postgres' | 'playbook';
  [key: string]: unknown;
}

export interface Arc {
  step: string;
  when?: string;
  /** `set: {ctx.x: value}` applied when the arc is taken (orchestrator.rs set_vars on NextArc). */
  set?: Record<string, unknown>;
}

export interface LoopSpec {
  in: unknown;
  iterator: string;
  mode: 'parallel' | 'sequential';
  maxInFlight: number;
  /** max_in_flight written as a template: rendered when the loop starts (engine.ts), as both engines do. */
  maxInFlightTemplate?: string;
}

export interface Step {
  step: string;
  desc?: string;
  tools: ToolSpec[];
  isSequence: boolean;
  loop?: LoopSpec;
  arcs: Arc[];
  /** A guard: when it renders false the step is skipped (step.skipped) and the chain goes on. */
  when?: string;
  /** `set: {ctx.x: template}` rendered after the step, with its result (Step.set_vars upstream). */
  set?: Record<string, unknown>;
  /** `next.spec.mode: inclusive`: every arc that holds is taken (where the engine runs it: DslRules.nextModes). */
  inclusive?: boolean;
}

export interface Playbook {
  name: string;
  path: string;
  description?: string;
  workload: Record<string, unknown>;
  steps: Step[];
  byName: Map<string, Step>;
}

/** Invalid YAML or missing metadata: the server's 422 errors. */
export class PlaybookValidationError extends Error {
  /** structural: the document does not have the playbook's shape (Rust's serde parse: 400, AppError::Parse). */
  constructor(
    message: string,
    readonly structural = false,
  ) {
    super(message);
  }
}
/** A DSL feature the sandbox does not execute. */
export class UnsupportedFeatureError extends Error {}

const TOOL_KINDS = new Set(['python', 'http', 'postgres', 'playbook']);
const TOP_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'workload', 'workflow', 'keychain']);
const STEP_KEYS = new Set(['step', 'desc', 'description', 'tool', 'loop', 'next', 'when', 'set', 'input']);
const TOOL_KEYS: Record<string, Set<string>> = {
  python: new Set(['name', 'kind', 'code', 'input', 'libs', 'spec']),
  // The union of both engines' http fields; which of them a dialect reads is in semantics.ts.
  http: new Set([
    'name',
    'kind',
    'method',
    'url',
    'headers',
    'payload',
    'body',
    'json',
    'form',
    'params',
    'timeout',
    'timeout_seconds',
    'follow_redirects',
    'response_type',
    'spec',
  ]),
  postgres: new Set(['name', 'kind', 'auth', 'query', 'command', 'spec']),
  playbook: new Set(['name', 'kind', 'path', 'catalog_id', 'input', 'return_step', 'return_result', 'timeout', 'spec']),
};

function unsupported(where: string, what: string): never {
  throw new UnsupportedFeatureError(`unsupported DSL feature: ${what} at ${where}`);
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Parses YAML text into a raw document; errors carry the server's messages. */
export function parseYaml(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new PlaybookValidationError(`Invalid YAML: ${(err as Error).message.split('\n')[0]}`, true);
  }
  const obj = asObject(doc);
  if (!obj) throw new PlaybookValidationError('Invalid YAML: the document is not a mapping', true);
  const meta = asObject(obj.metadata);
  if (!meta) throw new PlaybookValidationError("Missing 'metadata' section");
  if (typeof (meta.path ?? meta.name) !== 'string' || !(meta.path ?? meta.name)) {
    throw new PlaybookValidationError("Missing 'path' or 'name' in metadata");
  }
  return obj;
}

export function catalogPath(doc: Record<string, unknown>): string {
  const meta = doc.metadata as Record<string, unknown>;
  return String(meta.path ?? meta.name);
}

/**
 * Validates a playbook against the subset and returns the executable form. `rules`: what the engine the
 * dialect answers as accepts beyond the subset (dialect.ts); without them every key outside it is refused.
 */
export function compilePlaybook(doc: Record<string, unknown>, rules: DslRules = STRICT_DSL): Playbook {
  const kind = String(doc.kind ?? 'Playbook');
  if (kind.toLowerCase() !== 'playbook') unsupported('kind', `resource kind '${kind}' (only Playbook runs here)`);
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.has(key) && !rules.topKeys.has(key)) unsupported(key, `top-level key '${key}'`);
  const meta = doc.metadata as Record<string, unknown>;
  const workflow = doc.workflow;
  if (!Array.isArray(workflow) || workflow.length === 0) {
    throw new PlaybookValidationError("Missing 'workflow': a playbook needs a non-empty list of steps", true);
  }
  const workload = asObject(doc.workload) ?? {};
  const steps: Step[] = workflow.map((raw, i) => compileStep(raw, `workflow[${i}]`, rules));
  const byName = new Map(steps.map((s) => [s.step, s]));
  if (byName.size !== steps.length) throw new PlaybookValidationError('duplicate step names in workflow');
  for (const s of steps) {
    for (const a of s.arcs) {
      if (!byName.has(a.step))
        throw new PlaybookValidationError(`step '${s.step}' has an arc to unknown step '${a.step}'`);
    }
  }
  return {
    name: String(meta.name ?? meta.path),
    path: catalogPath(doc),
    description: typeof meta.description === 'string' ? meta.description : undefined,
    workload,
    steps,
    byName,
  };
}

function compileStep(raw: unknown, where: string, rules: DslRules): Step {
  const obj = asObject(raw);
  if (!obj || typeof obj.step !== 'string')
    throw new PlaybookValidationError(`${where}: a step needs a 'step' name`, true);
  where = `step '${obj.step}'`;
  // A key the engine's step type lacks is dropped, as the engine drops it; one it has must be run here.
  const reads = (key: string) => obj[key] !== undefined && (!rules.stepKeys || rules.stepKeys.has(key));
  for (const key of Object.keys(obj)) if (!STEP_KEYS.has(key) && reads(key)) unsupported(where, `step key '${key}'`);
  const isSequence = Array.isArray(obj.tool);
  const rawTools = isSequence ? (obj.tool as unknown[]) : obj.tool === undefined ? [] : [obj.tool];
  if (rawTools.length === 0) unsupported(where, 'a step without a tool');
  const tools = rawTools.map((t, i) => compileTool(t, isSequence ? `${where} tool[${i}]` : `${where} tool`, rules));
  if (isSequence) {
    for (const t of tools)
      if (!t.name) throw new PlaybookValidationError(`${where}: every tool of a task sequence needs a name`);
  }
  if (reads('input')) {
    // The step's input over the tool's, the step's keys winning (4.26.0 worker/nats_worker.py 2019-2024).
    const input = asObject(obj.input);
    if (!input) throw new PlaybookValidationError(`${where}: input must be a mapping`, true);
    if (isSequence) unsupported(where, 'a step input on a task sequence');
    tools[0].input = { ...(asObject(tools[0].input) ?? {}), ...input };
  }
  const loop = obj.loop === undefined ? undefined : compileLoop(obj.loop, where);
  const { arcs, inclusive } =
    obj.next === undefined ? { arcs: [], inclusive: false } : compileNext(obj.next, where, rules);
  const when = reads('when') ? String(obj.when) : undefined;
  const set = reads('set') ? compileSet(obj.set, where) : undefined;
  return {
    step: obj.step,
    desc: typeof obj.desc === 'string' ? obj.desc : undefined,
    tools,
    isSequence,
    loop,
    arcs,
    when,
    set,
    ...(inclusive ? { inclusive } : {}),
  };
}

/** A `next` router: its arcs, and whether it takes every one that holds (inclusive) or the first. */
function compileNext(raw: unknown, where: string, rules: DslRules): { arcs: Arc[]; inclusive: boolean } {
  const next = asObject(raw);
  if (!next) unsupported(where, 'a `next` that is not {spec, arcs}');
  const spec = asObject(next.spec) ?? {};
  const mode = String(spec.mode ?? 'exclusive');
  if (!rules.nextModes.has(mode)) unsupported(where, `next mode '${mode}'`);
  if (!Array.isArray(next.arcs)) throw new PlaybookValidationError(`${where}: next.arcs must be a list`, true);
  const arcs = next.arcs.map((a: unknown): Arc => {
    const arc = asObject(a);
    if (!arc || typeof arc.step !== 'string')
      throw new PlaybookValidationError(`${where}: every arc needs a 'step'`, true);
    for (const key of Object.keys(arc))
      if (!['step', 'when', 'args', 'set'].includes(key)) unsupported(where, `arc key '${key}'`);
    if ('args' in arc) unsupported(where, 'arc args');
    return {
      set: compileSet(arc.set, `${where} arc to '${arc.step}'`),
      step: arc.step,
      when: typeof arc.when === 'string' ? arc.when : arc.when === undefined ? undefined : String(arc.when),
    };
  });
  return { arcs, inclusive: mode === 'inclusive' };
}

/** A `set` block: only the `ctx.` scope runs here (vars and the others are refused, naming the key). */
function compileSet(raw: unknown, where: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  const obj = asObject(raw);
  if (!obj) throw new PlaybookValidationError(`${where}: set must be a mapping`, true);
  for (const key of Object.keys(obj))
    if (!/^ctx\.\w+$/.test(key)) unsupported(where, `set key '${key}' (only ctx.<name>)`);
  return obj;
}

function compileLoop(raw: unknown, where: string): LoopSpec {
  const l = asObject(raw);
  if (!l || l.in === undefined || typeof l.iterator !== 'string') {
    throw new PlaybookValidationError(`${where}: loop needs 'in' and 'iterator'`, true);
  }
  for (const key of Object.keys(l))
    if (!['in', 'iterator', 'spec'].includes(key)) unsupported(where, `loop key '${key}'`);
  const spec = asObject(l.spec) ?? {};
  for (const key of Object.keys(spec)) {
    if (!['mode', 'max_in_flight', 'policy'].includes(key)) unsupported(where, `loop.spec key '${key}'`);
  }
  const mode = String(spec.mode ?? 'sequential');
  if (mode !== 'parallel' && mode !== 'sequential') unsupported(where, `loop mode '${mode}'`);
  // A template (e.g. '{{ (concurrent_batches | default(1) | int) or 1 }}') is rendered at the loop's start.
  const template = typeof spec.max_in_flight === 'string' && spec.max_in_flight.includes('{{');
  const mif = template ? 1 : Number(spec.max_in_flight ?? (mode === 'parallel' ? 10 : 1));
  if (!Number.isInteger(mif) || mif < 1)
    throw new PlaybookValidationError(`${where}: loop.spec.max_in_flight must be a positive integer`);
  return {
    in: l.in,
    iterator: l.iterator,
    mode,
    maxInFlight: mode === 'parallel' ? mif : 1,
    ...(template && mode === 'parallel' ? { maxInFlightTemplate: String(spec.max_in_flight) } : {}),
  };
}

function compileTool(raw: unknown, where: string, rules: DslRules): ToolSpec {
  const obj = asObject(raw);
  if (!obj) throw new PlaybookValidationError(`${where}: a tool must be a mapping`, true);
  const kind = String(obj.kind ?? '');
  if (!TOOL_KINDS.has(kind))
    unsupported(where, `tool kind '${kind}' (the sandbox runs python, http, postgres, playbook)`);
  const extra = rules.toolKeys[kind];
  for (const key of Object.keys(obj))
    if (!TOOL_KEYS[kind].has(key) && !extra?.has(key)) unsupported(where, `${kind} tool key '${key}'`);
  const spec = asObject(obj.spec);
  if (spec) {
    for (const key of Object.keys(spec)) if (key !== 'policy') unsupported(where, `tool spec key '${key}'`);
    const policy = asObject(spec.policy);
    if (policy)
      for (const key of Object.keys(policy)) if (key !== 'rules') unsupported(where, `tool policy key '${key}'`);
  }
  if (kind === 'postgres' && typeof (obj.query ?? obj.command) !== 'string') {
    throw new PlaybookValidationError(`${where}: a postgres tool needs 'query' or 'command'`);
  }
  if (kind === 'python' && typeof obj.code !== 'string' && !(extra?.has('script') && obj.script !== undefined))
    throw new PlaybookValidationError(`${where}: a python tool needs 'code'`);
  if (kind === 'http' && typeof obj.url !== 'string')
    throw new PlaybookValidationError(`${where}: an http tool needs 'url'`);
  if (kind === 'playbook' && obj.path === undefined && obj.catalog_id === undefined) {
    throw new PlaybookValidationError(`${where}: a playbook tool needs 'path' or 'catalog_id'`);
  }
  return obj as ToolSpec;
}
