// Jinja2 semantics on nunjucks, where the two differ in ways playbooks meet (both NoETL engines render
// with Jinja2: noetl/noetl noetl/core/dsl/render.py, noetl/worker's minijinja):
// - `True`, `False`, `None` are Python literals, and print as `True`, `False`, `None`;
// - dict, list and string methods: `.items()`, `.keys()`, `.values()`, `.get()`, `.upper()`, `.strip()`…;
// - `%` on a string is printf formatting (`"%05d" % 7`), through sprintf-js;
// - values print as Python prints them: booleans and None capitalised, dicts and lists as Python reprs;
// - `tojson` escapes <, >, & and ' as Jinja's htmlsafe_json_dumps does.
// Undefined names print as '' (Jinja's default Undefined), as nunjucks already does.
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';
import { sprintf } from 'sprintf-js';

type Runtime = { memberLookup: (obj: unknown, key: string) => unknown; pyMod?: (a: unknown, b: unknown) => unknown };
type CompilerProto = {
  compileMod(node: { left: unknown; right: unknown }, frame: unknown): void;
  _emit(s: string): void;
  compile(n: unknown, f: unknown): void;
};

/** Python's repr of a JSON-like value. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}

/** What `{{ v }}` prints in Jinja: str(v). */
export function pyStr(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return typeof v === 'object' || typeof v === 'boolean' || v === null ? pyRepr(v) : String(v);
}

/** Jinja's tojson: JSON with <, >, & and ' escaped. */
export function tojson(v: unknown): string {
  return (JSON.stringify(v ?? null) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027');
}

const DICT_METHODS: Record<string, (o: Record<string, unknown>, ...a: unknown[]) => unknown> = {
  items: (o) => Object.entries(o),
  keys: (o) => Object.keys(o),
  values: (o) => Object.values(o),
  get: (o, k, d = null) => (Object.prototype.hasOwnProperty.call(o, String(k)) ? o[String(k)] : d),
};
const STRING_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s) => s.trim(),
  lstrip: (s) => s.trimStart(),
  rstrip: (s) => s.trimEnd(),
  startswith: (s, p) => s.startsWith(String(p)),
  endswith: (s, p) => s.endsWith(String(p)),
  split: (s, sep) => (sep === undefined ? s.trim().split(/\s+/) : s.split(String(sep))),
  replace: (s, a, b) => s.split(String(a)).join(String(b)),
  format: (s, ...a) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_, n: string) => pyStr(a[n === '' ? i++ : Number(n)]));
  },
};

/** `a % b` as Python: printf formatting for a string, a floored modulo for numbers. */
export function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') {
    if (Array.isArray(b)) return sprintf(a, ...b);
    return b && typeof b === 'object' ? sprintf(a, b) : sprintf(a, b);
  }
  const x = Number(a);
  const y = Number(b);
  return ((x % y) + y) % y;
}

let installed = false;

/**
 * The nunjucks the patch of its internals (runtime.memberLookup, Compiler.prototype.compileMod) was proven
 * on; package.json pins it. Another version is left unpatched, with the reason (`jinjaPatchOff()`).
 */
export const NUNJUCKS_PIN = /^3\.2\.4$/;

/** Why the patch of nunjucks' internals must stay off for this version (undefined: it applies). */
export function jinjaPatchMismatch(version: string | undefined): string | undefined {
  return version && NUNJUCKS_PIN.test(version)
    ? undefined
    : `nunjucks ${version ?? 'not found'} is not the version its patch was proven on (${NUNJUCKS_PIN.source}): Python methods and % in templates are off`;
}

let off: string | undefined;
/** Why the patch is off, if it is. */
export const jinjaPatchOff = (): string | undefined => off;

/** Patches nunjucks' member lookup and `%` once, for every environment (only on the pinned version). */
export function installJinjaSemantics(env: nunjucks.Environment): void {
  env.addGlobal('True', true);
  env.addGlobal('False', false);
  env.addGlobal('None', null);
  env.addFilter('tojson', tojson);
  env.addFilter('__py', pyStr);
  if (installed) return;
  installed = true;
  off = jinjaPatchMismatch((createRequire(import.meta.url)('nunjucks/package.json') as { version?: string }).version);
  if (off) return;
  const runtime = (nunjucks as unknown as { runtime: Runtime }).runtime;
  const lookup = runtime.memberLookup;
  runtime.memberLookup = (obj, key) => {
    if (
      typeof obj === 'string' &&
      key in STRING_METHODS &&
      !(
        key in String.prototype &&
        typeof (String.prototype as never)[key] === 'function' &&
        !['replace', 'split'].includes(key)
      )
    ) {
      return (...a: unknown[]) => STRING_METHODS[key](obj, ...a);
    }
    if (
      obj &&
      typeof obj === 'object' &&
      !Array.isArray(obj) &&
      key in DICT_METHODS &&
      !Object.prototype.hasOwnProperty.call(obj, key)
    ) {
      return (...a: unknown[]) => DICT_METHODS[key](obj as Record<string, unknown>, ...a);
    }
    return lookup(obj, key);
  };
  runtime.pyMod = pyMod;
  const proto = (nunjucks as unknown as { compiler: { Compiler: { prototype: CompilerProto } } }).compiler.Compiler
    .prototype;
  proto.compileMod = function compileMod(node, frame) {
    this._emit('runtime.pyMod(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
}

/** Every `{{ expr }}` printed through Python's str(): `{{ (expr) | __py }}`. */
export function printAsPython(src: string): string {
  return src.replace(/\{\{(-?)([\s\S]*?)(-?)\}\}/g, (whole, l: string, expr: string, r: string) =>
    expr.trim() ? `{{${l} (${expr}) | __py ${r}}}` : whole,
  );
}

/** `"%s-%s" % (a, b)`: a Python tuple after `%` becomes a list, which nunjucks can parse. */
export function pyTuples(src: string): string {
  return src.replace(/%\s*\(([^()]*,[^()]*)\)/g, '% [$1]');
}
