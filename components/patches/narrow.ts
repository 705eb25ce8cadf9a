// Characters that need no grapheme segmentation to measure or lay out. string-width and Ink's tokenizer
// segment any string holding one character outside printable ASCII into grapheme clusters and test each
// against Unicode properties; the screen is full of such lines (a '·', a bar's '░', box drawing). For a
// string made only of the characters below, every character is a grapheme of its own and one column wide,
// so its width is its length and its cells are its characters.
//
// The table is not written out by hand: it is what string-width itself says (width 1) and what
// Intl.Segmenter itself says (the character stays a cluster of its own between two letters, so it neither
// attaches to the one before, as a mark or joiner does, nor to the one after, as a prepended sign does).

/** The blocks searched: ASCII, Latin-1, punctuation, arrows, box drawing to dingbats, braille. */
const BLOCKS: Array<[number, number]> = [
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x2010, 0x205e],
  [0x2190, 0x21ff],
  [0x2500, 0x27bf],
  [0x2800, 0x28ff],
];

/**
 * A lookup of UTF-16 code units: 1 where the character is narrow and a grapheme of its own. Every
 * candidate is segmented once, each between two letters in one string ("a" c1 "a" c2 "a" …): a candidate
 * that joins a neighbouring letter is not in a segment of its own.
 */
export function narrowTable(width: (text: string) => number): Uint8Array {
  const table = new Uint8Array(0x10000);
  const candidates: number[] = [];
  for (const [from, to] of BLOCKS)
    for (let code = from; code <= to; code++) if (width(String.fromCharCode(code)) === 1) candidates.push(code);
  const text = `a${candidates.map((c) => String.fromCharCode(c)).join('a')}a`;
  // Candidate k sits at index 2k + 1.
  for (const { segment, index } of new Intl.Segmenter().segment(text))
    if (segment.length === 1 && index % 2 === 1) table[text.charCodeAt(index)] = 1;
  return table;
}

/** True when every character of `text` is in the table (the empty string included). */
export function allNarrow(table: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (table[text.charCodeAt(i)] !== 1) return false;
  return true;
}
