// Ink 6.8 composes every frame into a new Output whose caches (each line's styled characters, each
// string's width) start empty, so a line that did not change since the last frame (a border, the chart,
// a finished column) is tokenized and measured again on every frame: a third of the App's busy time in
// its CPU profile (BENCHMARKS.md §1). This hands every frame's Output one set of caches, kept across
// frames and started afresh once they hold LIMITS (a few frames' worth: each cached character is an
// object of its own, about 270 bytes in a heap snapshot, so an unbounded cache grew the TUI's memory by
// megabytes a minute). A cached value is a pure function of its string, so a frame is the same with or
// without it (test/ink-caches.test.tsx).
//
// It reaches into Ink's build (build/output.js, not part of its exports), so it applies only to the
// version it was written against and does nothing elsewhere; moving to another Ink drops or re-checks it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const INK_VERSION = /^6\.8\./;
/**
 * When the caches start over: entries in any one map, or characters in the lines whose styled characters
 * are kept (a 120×40 frame is 4,800 cells; a frame of a live run changes a few hundred of them).
 */
export const LIMITS = { entries: 2000, chars: 16_000 };

interface Caches {
  widths: Map<string, number>;
  blockWidths: Map<string, number>;
  styledChars: Map<string, unknown>;
}
interface OutputProto {
  get(this: { caches: unknown }): unknown;
}

const isCaches = (c: unknown): c is Caches => {
  const x = c as Partial<Caches> | undefined;
  return x?.widths instanceof Map && x.blockWidths instanceof Map && x.styledChars instanceof Map;
};
function full(c: Caches): boolean {
  if (c.widths.size >= LIMITS.entries || c.blockWidths.size >= LIMITS.entries || c.styledChars.size >= LIMITS.entries) return true;
  let chars = 0;
  for (const line of c.styledChars.keys()) chars += line.length;
  return chars >= LIMITS.chars;
}

let restore: (() => void) | null = null;

/** Ink's Output class, the very module its renderer uses (same file, same module instance). */
async function inkOutput(): Promise<{ prototype: OutputProto } | null> {
  try {
    const entry = createRequire(import.meta.url).resolve('ink'); // …/ink/build/index.js
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    if (!INK_VERSION.test(pkg.version ?? '')) return null;
    const mod = (await import(pathToFileURL(path.join(path.dirname(entry), 'output.js')).href)) as { default?: { prototype: OutputProto } };
    return typeof mod.default?.prototype?.get === 'function' ? mod.default : null;
  } catch {
    return null;
  }
}

/** Keeps Ink's per-frame caches from one frame to the next; true when it applied. Idempotent. */
export async function keepInkCachesAcrossFrames(): Promise<boolean> {
  if (restore) return true;
  const Output = await inkOutput();
  if (!Output) return false;
  const proto = Output.prototype;
  const original = proto.get;
  let kept: Caches | null = null;
  proto.get = function (this: { caches: unknown }) {
    if (isCaches(this.caches)) {
      if (kept && !full(kept)) this.caches = kept;
      else kept = this.caches;
    }
    return original.call(this);
  };
  restore = () => {
    proto.get = original;
    restore = null;
  };
  return true;
}

/** Ink's own behaviour again (tests). */
export function dropInkCaches(): void {
  restore?.();
}
