// Jinja templates on nunjucks, with the overrides that give Jinja semantics (platform-notes §5, jinja.ts).
// A string that is one `{{ expr }}` renders to the expression's native value, as NoETL does for
// loop inputs and tool inputs; anything else renders to text.
import nunjucks from 'nunjucks';
import { installJinjaSemantics, printAsPython, pyStr, pyTuples } from './jinja.js';
import { STAGES } from './stages.js';

const env = new nunjucks.Environment(null, { autoescape: false });
env.addFilter('string', (v: unknown) => pyStr(v));
env.addFilter('int', (v: unknown, d = 0) => {
  const n = parseInt(String(v), 10);
  return Number.isNaN(n) ? d : n;
});
env.addFilter('float', (v: unknown, d = 0) => {
  const n = parseFloat(String(v));
  return Number.isNaN(n) ? d : n;
});
installJinjaSemantics(env);
env.addFilter('length', (v: unknown) =>
  Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0,
);

let captured: unknown;
env.addFilter('__capture', (v: unknown) => {
  captured = v;
  return '';
});

const SINGLE = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/;
const compiled = new Map<string, nunjucks.Template>();

function template(src: string): nunjucks.Template {
  let t = compiled.get(src);
  if (!t) {
    t = new nunjucks.Template(src, env, undefined, true);
    if (compiled.size > 2000) compiled.clear();
    compiled.set(src, t);
  }
  return t;
}

export class TemplateError extends Error {}

/**
 * What noetl 4.26.0's renderer raises where nunjucks renders quietly (its step results are TaskResultProxy
 * objects, noetl/core/dsl/render.py; seen on the real engine here): an attribute of a step result's missing
 * attribute (Jinja's Undefined raises on the next lookup: `start.command_0.rows`), and `tojson` of a step
 * result's nested value ("Object of type TaskResultProxy is not JSON serializable"). Where it lands decides
 * what the engine does (engine.ts, tools.ts).
 */
export class TemplateFault extends TemplateError {}

/** Set by a dialect's template namespace (semantics.ts baseCtx): the step results its renderer proxies. */
export const PROXIED_RESULTS = Symbol('proxied step results');

const DICT_METHODS = new Set(['keys', 'items', 'values', 'get']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function proxyFault(src: string, ctx: Record<string | symbol, unknown>): string | undefined {
  const names = ctx[PROXIED_RESULTS] as Set<string> | undefined;
  if (!names?.size) return undefined;
  for (const m of src.matchAll(/\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\.[A-Za-z_]/g)) {
    const root = ctx[m[1]];
    if (names.has(m[1]) && isObj(root) && !Array.isArray(root) && !(m[2] in root) && !DICT_METHODS.has(m[2]))
      return `'noetl.core.dsl.render.TaskResultProxy object' has no attribute '${m[2]}'`;
  }
  for (const m of src.matchAll(/\b([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)\s*\|\s*tojson\b/g)) {
    if (!names.has(m[1])) continue;
    let v: unknown = ctx[m[1]];
    for (const k of m[2].slice(1).split('.')) v = isObj(v) ? v[k] : undefined;
    if (isObj(v)) return 'Object of type TaskResultProxy is not JSON serializable';
  }
  return undefined;
}

/** Renders one string. A lone `{{ expr }}` keeps the value's type. */
export function renderString(src: string, ctx: Record<string, unknown>): unknown {
  if (!src.includes('{{') && !src.includes('{%')) return src;
  const fault = proxyFault(src, ctx);
  if (fault) throw new TemplateFault(`template error in ${JSON.stringify(src.slice(0, 80))}: ${fault}`);
  const single = SINGLE.exec(src);
  try {
    if (single && !single[1].includes('{{') && !single[1].includes('}}')) {
      captured = undefined;
      template(pyTuples(`{{ (${single[1]}) | __capture }}`)).render(ctx);
      return captured;
    }
    return template(pyTuples(printAsPython(src))).render(ctx);
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/\s+/g, ' ').trim() : String(err);
    throw new TemplateError(`template error in ${JSON.stringify(src.slice(0, 80))}: ${msg}`);
  }
}

/**
 * Renders every string of `value` (recursively) against `ctx`; timed as one stage per top-level call.
 * `keepOnFault`: a string whose rendering meets a TemplateFault stays as it is written (what 4.26.0 makes
 * of a tool's `input:`, seen here: the step ran with the template text as the value).
 */
export function renderValue(value: unknown, ctx: Record<string, unknown>, keepOnFault = false): unknown {
  return STAGES.timeSync('template rendering', () => renderTree(value, ctx, keepOnFault));
}

function renderTree(value: unknown, ctx: Record<string, unknown>, keep: boolean): unknown {
  if (typeof value === 'string') {
    try {
      return renderString(value, ctx);
    } catch (err) {
      if (keep && err instanceof TemplateFault) return value;
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((v) => renderTree(v, ctx, keep));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderTree(v, ctx, keep);
    return out;
  }
  return value;
}

/** Jinja truthiness of a rendered condition (a rendered "False"/"false"/"" string is false). */
export function truthy(v: unknown): boolean {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return !(s === '' || s === 'false' || s === '0' || s === 'none' || s === 'null');
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}
