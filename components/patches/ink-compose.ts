// Ink 6.8 composes each frame (Output.get in ink/build/output.js) by laying every write into a fresh grid
// of width × height cell objects and then serialising every row cell by cell, where each pair of
// neighbouring cells costs a style diff that builds three Sets and two arrays even when both cells look
// the same. On the App's 120×40 screen that is 4,800 cells a frame whatever changed: the largest stage of
// its CPU profile (BENCHMARKS.md §1).
//
// This composes the same frame row by row. A row is a pure function of the lines written into it (after
// clipping and transformers) and where they start, so a row whose writes are the ones of the last frame
// is taken as it was then. A row that changed is laid out as Ink lays it and serialised with Ink's own
// ANSI functions, skipping the diff between neighbours whose styles are equal (where it yields nothing).
// A line of narrow characters and SGR sequences is cut into cells without segmenting graphemes
// (`styledChars`). The frame is byte for byte the one Ink composes (test/ink-caches.test.tsx). A frame with a write that
// Ink would clip horizontally (slice-ansi) is left to Ink, as is everything on a version of Ink this was
// not written against (ink-caches.ts applies it to 6.8 only).

import { narrowTable } from './narrow.js';

/** One SGR code of a cell's style, with the code that ends it. */
interface AnsiCode {
  code: string;
  endCode: string;
}
/** A styled cell as @alcalzone/ansi-tokenize makes it (Ink's cell). */
interface Cell {
  type: string;
  value: string;
  fullWidth: boolean;
  styles: AnsiCode[];
}
interface AnsiToken {
  type: string;
  code: string;
  endCode: string;
  value: string;
  fullWidth: boolean;
}
/** The functions of @alcalzone/ansi-tokenize that Ink tokenizes lines and serialises rows with. */
export interface AnsiFunctions {
  diffAnsiCodes(from: AnsiCode[], to: AnsiCode[]): AnsiCode[];
  ansiCodesToString(codes: AnsiCode[]): string;
  tokenize(text: string): AnsiToken[];
  styledCharsFromTokens(tokens: AnsiToken[]): Cell[];
  reduceAnsiCodesIncremental(codes: AnsiCode[], newCodes: AnsiCode[]): AnsiCode[];
}
type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: Array<(line: string, index: number) => string> }
  | { type: 'clip'; clip: { x1?: number; x2?: number; y1?: number; y2?: number } }
  | { type: 'unclip' };
/** What composing needs of Ink's Output: its size, its operations and its caches. */
export interface OutputLike {
  width: number;
  height: number;
  operations: Operation[];
  caches: { getStyledChars(line: string): Cell[]; getStringWidth(text: string): number };
}

function sameStyles(a: AnsiCode[], b: AnsiCode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
  return true;
}

const NO_STYLES: AnsiCode[] = Object.freeze([]) as unknown as AnsiCode[];
const BLANK: Cell = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: NO_STYLES });
/** Distinct SGR sequences whose tokens are remembered. */
const SGR_MEMO_ENTRIES = 1000;
type RowWrites = Array<[x: number, line: string]>;

/**
 * The lines each row of the frame receives, in the order Ink writes them (clipped and transformed as Ink
 * does), or null where Ink must compose the frame itself (horizontal clipping, which needs slice-ansi).
 */
function rowWrites(output: OutputLike): RowWrites[] | null {
  const writes: RowWrites[] = Array.from({ length: output.height }, () => []);
  const clips: Array<{ x1?: number; x2?: number; y1?: number; y2?: number }> = [];
  for (const operation of output.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    else if (operation.type === 'unclip') clips.pop();
    else {
      let { y } = operation;
      let lines = operation.text.split('\n');
      const clip = clips.at(-1);
      if (clip) {
        if (typeof clip.x1 === 'number' && typeof clip.x2 === 'number') return null;
        if (typeof clip.y1 === 'number' && typeof clip.y2 === 'number') {
          if (y + lines.length < clip.y1 || y > clip.y2) continue;
          const from = y < clip.y1 ? clip.y1 - y : 0;
          const to = y + lines.length > clip.y2 ? clip.y2 - y : lines.length;
          lines = lines.slice(from, to);
          if (y < clip.y1) y = clip.y1;
        }
      }
      // As in Ink, a line that falls outside the frame is dropped without moving the lines after it down.
      let offsetY = 0;
      lines.forEach((line, index) => {
        const row = writes[y + offsetY];
        if (!row) return;
        for (const transformer of operation.transformers) line = transformer(line, index);
        row.push([operation.x, line]);
        offsetY++;
      });
    }
  }
  return writes;
}

/** A row's cells serialised as Ink does, skipping the style diff between neighbours that look alike. */
function serialise(row: Array<Cell | undefined>, ansi: AnsiFunctions): string {
  let text = '';
  let previous: Cell | undefined;
  for (const cell of row) {
    if (cell === undefined) continue; // a hole left by a write that started past the end
    const from = previous ? previous.styles : NO_STYLES;
    if (!sameStyles(from, cell.styles))
      text += ansi.ansiCodesToString(previous ? ansi.diffAnsiCodes(from, cell.styles) : cell.styles);
    text += cell.value;
    previous = cell;
  }
  if (previous && previous.styles.length > 0)
    text += ansi.ansiCodesToString(ansi.diffAnsiCodes(previous.styles, NO_STYLES));
  return text.trimEnd();
}

/**
 * Composes Ink's frames row by row, remembering the last frame's rows. `width` measures a string as Ink
 * does (for the table of narrow characters, built on the first line tokenized).
 */
export class RowComposer {
  private last = new Map<string, string>();
  private lastWidth = -1;
  private built = 0;
  private narrow: Uint8Array | null = null;
  private readonly sgr = new Map<string, AnsiCode[]>();

  constructor(
    private readonly ansi: AnsiFunctions,
    private readonly width: (text: string) => number,
  ) {}

  /** Rows composed afresh so far (tests). */
  rowsBuilt(): number {
    return this.built;
  }

  /**
   * A line's cells as ansi-tokenize's tokenize and styledCharsFromTokens make them, without segmenting
   * graphemes where that cannot matter: a line of narrow characters (narrow.ts) and SGR sequences
   * (ESC [ digits and semicolons m), each sequence tokenized by ansi-tokenize on its own and reduced into
   * the styles as it does. Cells of one style share one styles array. Any other line: ansi-tokenize.
   */
  styledChars(line: string): Cell[] {
    const narrow = (this.narrow ??= narrowTable(this.width));
    const cells: Cell[] = [];
    let codes = NO_STYLES;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x1b && line.charCodeAt(i + 1) === 0x5b) {
        let end = i + 2;
        for (let d = line.charCodeAt(end); (d >= 0x30 && d <= 0x39) || d === 0x3b; d = line.charCodeAt(++end));
        if (line.charCodeAt(end) !== 0x6d) return this.ansi.styledCharsFromTokens(this.ansi.tokenize(line));
        const sequence = line.slice(i, end + 1);
        let tokens = this.sgr.get(sequence);
        if (!tokens) {
          if (this.sgr.size >= SGR_MEMO_ENTRIES) this.sgr.clear(); // a screen has a handful; never grows unbounded
          this.sgr.set(sequence, (tokens = this.ansi.tokenize(sequence)));
        }
        codes = this.ansi.reduceAnsiCodesIncremental(codes, tokens);
        i = end;
      } else if (narrow[c] === 1) {
        cells.push({ type: 'char', value: line[i], fullWidth: false, styles: codes });
      } else {
        return this.ansi.styledCharsFromTokens(this.ansi.tokenize(line));
      }
    }
    return cells;
  }

  /** The frame, or null where Ink must compose it (horizontal clipping). */
  compose(output: OutputLike): { output: string; height: number } | null {
    const writes = rowWrites(output);
    if (!writes) return null;
    if (output.width !== this.lastWidth) {
      this.last = new Map();
      this.lastWidth = output.width;
    }
    const now = new Map<string, string>();
    const rows = writes.map((row) => {
      let key = '';
      for (const [x, line] of row) key += `${x},${line.length}:${line}`;
      let text = now.get(key) ?? this.last.get(key);
      if (text === undefined) text = this.layRow(output, row);
      // Keeps its lines' styled characters in the caches, which forget what a frame did not use: for
      // the day a neighbour in the row changes and the row is laid out again.
      else for (const [, line] of row) output.caches.getStyledChars(line);
      now.set(key, text);
      return text;
    });
    this.last = now;
    return { output: rows.join('\n'), height: output.height };
  }

  /** One row from its writes, laid into cells as Ink lays them into its grid, then serialised. */
  private layRow(output: OutputLike, writes: RowWrites): string {
    this.built++;
    const row: Array<Cell | undefined> = new Array<Cell>(output.width).fill(BLANK);
    for (const [x, line] of writes) {
      let offsetX = x;
      for (const character of output.caches.getStyledChars(line)) {
        if (offsetX >= 0) row[offsetX] = character;
        const characterWidth = Math.max(1, output.caches.getStringWidth(character.value));
        for (let i = 1; i < characterWidth; i++) {
          if (offsetX + i >= 0)
            row[offsetX + i] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
        }
        offsetX += characterWidth;
      }
    }
    return serialise(row, this.ansi);
  }
}
