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

/** Renders one string. A lone `{{ expr }}` keeps the value's type. */
export function renderString(src: string, ctx: Record<string, unknown>): unknown {
  if (!src.includes('{{') && !src.includes('{%')) return src;
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

/** Renders every string inside a value (objects and arrays recursively). */
/** Renders every string of `value` (recursively) against `ctx`; timed as one stage per top-level call. */
export function renderValue(value: unknown, ctx: Record<string, unknown>): unknown {
  return STAGES.timeSync('template rendering', () => renderTree(value, ctx));
}

function renderTree(value: unknown, ctx: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderString(value, ctx);
  if (Array.isArray(value)) return value.map((v) => renderTree(v, ctx));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderTree(v, ctx);
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
