// Ink measures every text node on every frame (render-node-to-output.js calls widest-line, which calls
// string-width, whatever changed). For a line with one character outside printable ASCII (a '·', a bar's
// '█', the chart's box drawing) string-width segments the whole line into graphemes and tests each
// against Unicode property expressions: the largest single cost of the TUI's main thread on a real run
// (BENCHMARKS.md §1). A width is a pure function of its string, so this remembers the last few thousand.
//
// A string made only of narrow characters (narrow.ts: one column each, a grapheme each, as string-width
// and Intl.Segmenter say) is measured by its length, without segmenting it: most of the screen's lines.
//
// From the sources, Ink and widest-line import string-width as a module binding, out of reach at run time;
// a module hook (node:module register) hands the modules under node_modules that import it a remembering
// module (width-memo.ts), one per copy of string-width (wrap-ansi brings its own), before Ink is loaded.
// Must run before the first import of Ink; a later call changes nothing already linked. dist/ needs no
// hook: its Ink is a bundle with the remembering module built in (scripts/bundle-ink.ts).
import nodeModule, { register } from 'node:module';
import { rememberingWidth, rememberWidths } from './width-memo.js';

export { rememberedWidths, WIDTH_MEMO_ENTRIES } from './width-memo.js';

/** Where the hooked module finds rememberingWidth (the hooked module is a data: URL of its own). */
const REMEMBERING = 'noetl-loadrun.remembering-width';

// The module a hooked import gets; __REAL__ is the URL string-width resolved to for that importer.
const MEMO_MODULE = `
import realWidth from __REAL__;
export default globalThis[Symbol.for('${REMEMBERING}')](realWidth, __REAL__);
`;

// Runs in Node's hooks thread: a bare 'string-width' imported by a package under node_modules resolves
// as usual, then is served through the remembering module for that very file.
const hooks = `
const PREFIX = 'data:text/javascript;base64,';
const MEMO_MODULE = ${JSON.stringify(MEMO_MODULE)};
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (specifier !== 'string-width' || !context.parentURL || !context.parentURL.includes('/node_modules/')) return resolved;
  return { url: PREFIX + Buffer.from(MEMO_MODULE.replaceAll('__REAL__', JSON.stringify(resolved.url))).toString('base64'), format: 'module', shortCircuit: true };
}
`;

type Resolved = { url: string; format?: string; shortCircuit?: boolean };
type SyncResolve = (
  specifier: string,
  context: { parentURL?: string },
  next: (specifier: string, context: { parentURL?: string }) => Resolved,
) => Resolved;

/** The same resolve as `hooks`, for module.registerHooks (synchronous, on the loading thread). */
const syncResolve: SyncResolve = (specifier, context, next) => {
  const resolved = next(specifier, context);
  if (specifier !== 'string-width' || !context.parentURL?.includes('/node_modules/')) return resolved;
  const source = MEMO_MODULE.replaceAll('__REAL__', JSON.stringify(resolved.url));
  return {
    url: `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`,
    format: 'module',
    shortCircuit: true,
  };
};

let registered = false;

/** Remembers string widths for Ink and its helpers; true once the hook is in place. */
export function rememberStringWidths(): boolean {
  if (registered) return true;
  (globalThis as Record<symbol, unknown>)[Symbol.for(REMEMBERING)] = rememberingWidth;
  try {
    // In-thread hooks where this Node has them (22.15+): no round trip to a hooks thread for every import.
    const sync = (nodeModule as { registerHooks?: (h: { resolve: SyncResolve }) => unknown }).registerHooks;
    if (typeof sync === 'function') sync({ resolve: syncResolve });
    else register(`data:text/javascript;base64,${Buffer.from(hooks).toString('base64')}`);
    registered = true;
    rememberWidths(true);
  } catch {
    registered = false; // an older Node without module hooks: Ink measures as it always did
  }
  return registered;
}
