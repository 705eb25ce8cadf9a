// Ink 6.8 composes every frame into a new Output whose caches (each line's styled characters, each
// string's width) start empty, so a line that did not change since the last frame (a border, the chart,
// a finished column) is tokenized and measured again on every frame: a third of the App's busy time in
// its CPU profile (BENCHMARKS.md §1). This hands every frame's Output one set of caches, kept across
// frames, that keeps what the last frame used and forgets the rest (`FrameMemo`): each cached character
// is an object of its own, about 270 bytes in a heap snapshot, so an unbounded cache grew the TUI's
// memory by megabytes a minute. A cached value is a pure function of its string, so a frame is the same
// with or without it (test/ink-caches.test.tsx).
//
// Each frame is then composed row by row (ink-compose.ts): a row whose writes did not change since the
// last frame is taken as it was.
//
// It reaches into Ink's build (build/output.js, not part of its exports), so it is installed only on the
// versions it was proven on (PINS in index.ts); here it checks only that the parts it needs are there.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inkEntry, inkPackageDir } from './ink-packages.js';
import { RowComposer, type AnsiFunctions, type OutputLike } from './ink-compose.js';

/**
 * A map that keeps the entries read or written during this frame and the last one: `nextFrame()` forgets
 * whatever the frame before last used and this one did not. What Ink's caches need of a Map: get, set.
 */
export class FrameMemo<V> {
  private now = new Map<string, V>();
  private before = new Map<string, V>();
  get(key: string): V | undefined {
    let value = this.now.get(key);
    if (value === undefined) {
      value = this.before.get(key);
      if (value !== undefined) this.now.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): this {
    this.now.set(key, value);
    return this;
  }
  nextFrame(): void {
    this.before = this.now;
    this.now = new Map();
  }
  /** Every key held (tests). */
  keys(): string[] {
    return [...new Set([...this.before.keys(), ...this.now.keys()])];
  }
}

/** Ink's OutputCaches: three maps, read and written by its methods. */
interface Caches {
  widths: unknown;
  blockWidths: unknown;
  styledChars: unknown;
}
export interface OutputProto {
  get(this: { caches: unknown }): unknown;
}

const isCaches = (c: unknown): c is Caches => {
  const x = c as Partial<Caches> | undefined;
  return x?.widths instanceof Map && x.blockWidths instanceof Map && x.styledChars instanceof Map;
};

let restore: (() => void) | null = null;

/** The parts of Ink's build the frame patch needs: its Output class and the ANSI functions it uses. */
export interface InkParts {
  Output: { prototype: OutputProto };
  ansi: AnsiFunctions;
}

/**
 * From the sources: Ink's Output class, the very module its renderer uses (same file, same module
 * instance), and the ANSI functions of the @alcalzone/ansi-tokenize that Ink itself resolves (an ESM-only
 * package: found on the lookup paths from Ink's entry, then its export read from its package.json). In
 * dist/, the bundle of Ink exports the same parts (components/ink.ts `bundled`).
 */
async function inkOutput(): Promise<InkParts | null> {
  try {
    const mod = (await import(pathToFileURL(path.join(path.dirname(inkEntry()), 'output.js')).href)) as {
      default?: { prototype: OutputProto };
    };
    const dir = inkPackageDir('@alcalzone/ansi-tokenize');
    if (!dir || typeof mod.default?.prototype?.get !== 'function') return null;
    const { exports } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      exports?: { '.'?: { import?: string } };
    };
    const ansi = (await import(
      pathToFileURL(path.join(dir, exports?.['.']?.import ?? 'build/index.js')).href
    )) as Partial<AnsiFunctions>;
    const needed = [
      'diffAnsiCodes',
      'ansiCodesToString',
      'tokenize',
      'styledCharsFromTokens',
      'reduceAnsiCodesIncremental',
    ] as const;
    if (needed.some((f) => typeof ansi[f] !== 'function')) return null;
    return { Output: mod.default, ansi: ansi as AnsiFunctions };
  } catch {
    return null;
  }
}

let composer: RowComposer | null = null;
let cachesInUse: { styledChars: FrameMemo<unknown> } | null = null;

/**
 * Keeps Ink's per-frame caches from one frame to the next and composes frames row by row; true when it
 * applied. Idempotent.
 */
export async function keepInkCachesAcrossFrames(parts?: InkParts): Promise<boolean> {
  if (restore) return true;
  const ink = parts ?? (await inkOutput());
  if (!ink) return false;
  const proto = ink.Output.prototype;
  const original = proto.get;
  let kept: {
    widths: FrameMemo<number>;
    blockWidths: FrameMemo<number>;
    styledChars: FrameMemo<unknown>;
    getStringWidth(text: string): number;
  } | null = null;
  const rows = new RowComposer(ink.ansi, (text) => kept!.getStringWidth(text));
  composer = rows;
  proto.get = function (this: { caches: unknown }) {
    if (kept) {
      kept.widths.nextFrame();
      kept.blockWidths.nextFrame();
      kept.styledChars.nextFrame();
      this.caches = kept;
    } else if (isCaches(this.caches)) {
      // Ink's own caches object (its methods read these three fields), with maps that forget, and its
      // lines tokenized by the composer.
      const styledChars = new FrameMemo<unknown>();
      Object.assign(this.caches, {
        widths: new FrameMemo<number>(),
        blockWidths: new FrameMemo<number>(),
        styledChars,
        getStyledChars(line: string) {
          let cells = styledChars.get(line);
          if (cells === undefined) styledChars.set(line, (cells = rows.styledChars(line)));
          return cells;
        },
      });
      kept = this.caches as unknown as NonNullable<typeof kept>;
      cachesInUse = kept;
    }
    return rows.compose(this as unknown as OutputLike) ?? original.call(this);
  };
  restore = () => {
    proto.get = original;
    restore = null;
    composer = null;
    cachesInUse = null;
  };
  return true;
}

/** The lines whose styled characters are kept now (tests). */
export const keptLines = (): string[] => cachesInUse?.styledChars.keys() ?? [];

/** Rows composed afresh (not taken from the last frame) since the composer was put in place (tests). */
export const rowsComposed = (): number => composer?.rowsBuilt() ?? 0;

/** Ink's Output class and the ANSI functions it uses, where this applies (tests). */
export const inkParts = inkOutput;

/** Ink's own behaviour again (tests). */
export function dropInkCaches(): void {
  restore?.();
}
