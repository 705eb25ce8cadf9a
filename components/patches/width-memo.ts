// The remembering string-width that Ink's text measuring is handed (width-cache.ts explains why), as one
// function for both ways it is put in place: the module hook of a run from the sources (width-cache.ts)
// and the bundle of Ink that `npm run build` makes for dist/ (scripts/bundle-ink.ts).
//
// It measures through string-width itself until `rememberWidths(true)` (installPatches() decides), so a
// bundle whose patches are off measures as Ink always did.
import { allNarrow, narrowTable } from './narrow.js';

/** Widths remembered before the memory starts over. */
export const WIDTH_MEMO_ENTRIES = 4000;

type Width = (text: string, options?: unknown) => number;

let remembering = false;
/** The remembered widths by the copy of string-width they stand for (wrap-ansi brings its own). */
const memos = new Map<string, Map<string, number>>();

/** Turns remembering on or off for every remembering width made here. */
export function rememberWidths(on: boolean): void {
  remembering = on;
}

/** The remembered widths by the copy of string-width they stand for (tests). */
export const rememberedWidths = (): Map<string, Map<string, number>> | undefined => (memos.size ? memos : undefined);

/**
 * string-width with a memory: options (ambiguous width, counting ANSI codes) go straight to `realWidth`; a
 * string made only of narrow characters (narrow.ts) is measured by its length, without segmenting it.
 * `key` names the copy of string-width (its URL or path).
 */
export function rememberingWidth(realWidth: Width, key: string): Width {
  const memo = new Map<string, number>();
  memos.set(key, memo);
  let table: Uint8Array | undefined;
  return function stringWidth(text, options) {
    if (!remembering || options !== undefined || typeof text !== 'string') return realWidth(text, options);
    let width = memo.get(text);
    if (width === undefined) {
      table ??= narrowTable(realWidth);
      width = allNarrow(table, text) ? text.length : realWidth(text);
      if (memo.size >= WIDTH_MEMO_ENTRIES) memo.clear();
      memo.set(text, width);
    }
    return width;
  };
}
