// Narrow characters (components/narrow.ts): a string made only of them is as wide as it is long and is
// one grapheme per character, by every copy of string-width in the tree and by Intl.Segmenter; Ink's
// lines made of them and SGR sequences are tokenized into the very cells ansi-tokenize makes
// (components/ink-compose.ts), whatever else a line holds.
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inkParts } from '../components/patches/ink-caches.js';
import { RowComposer } from '../components/patches/ink-compose.js';
import { allNarrow, narrowTable } from '../components/patches/narrow.js';
import { ROOT } from './helpers/cli.js';
import { seeded } from './helpers/random.js';

/** Every string-width under node_modules (Ink's and wrap-ansi's copies). */
async function stringWidths(): Promise<Array<[string, (s: string) => number]>> {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name === 'string-width') found.push(path.join(dir, name, 'index.js'));
      else if (!name.startsWith('.')) walk(path.join(dir, name, 'node_modules'), depth + 1);
    }
  };
  walk(path.join(ROOT, 'node_modules'), 0);
  return Promise.all(
    found
      .filter(existsSync)
      .map(
        async (f) =>
          [f, ((await import(pathToFileURL(f).href)) as { default: (s: string) => number }).default] as [
            string,
            (s: string) => number,
          ],
      ),
  );
}

describe('narrow characters', () => {
  it('are as wide as they are long and one grapheme each, by every string-width copy and Intl.Segmenter', async () => {
    const copies = await stringWidths();
    expect(copies.length).toBeGreaterThanOrEqual(2); // Ink's and wrap-ansi's
    const segmenter = new Intl.Segmenter();
    for (const [file, width] of copies) {
      const table = narrowTable(width);
      const narrow = [...Array(0x10000).keys()].filter((c) => table[c] === 1).map((c) => String.fromCharCode(c));
      // The screen's own characters are in; marks, joiners, controls and wide emoji are not.
      for (const ch of ['a', ' ', '·', '░', '█', '─', '╭', '│', '…', '✓', '→', '▏', '○', 'é'])
        expect(narrow, `${file}: ${ch}`).toContain(ch);
      for (const ch of ['\u0301', '\u200d', '\u200b', '\u00ad', '\t', '\x1b', '✅', '⚡', '状'])
        expect(narrow, `${file}: U+${ch.codePointAt(0)!.toString(16)}`).not.toContain(ch);
      const rand = seeded(7);
      for (let i = 0; i < 3000; i++) {
        const s = Array.from({ length: 1 + rand(40) }, () => narrow[rand(narrow.length)]).join('');
        expect(allNarrow(table, s)).toBe(true);
        expect(width(s), `${file}: ${JSON.stringify(s)}`).toBe(s.length);
        expect([...segmenter.segment(s)].length).toBe(s.length);
      }
      expect(allNarrow(table, 'ok · ✅')).toBe(false);
    }
  });

  it("tokenize Ink's lines into the cells ansi-tokenize makes, fast or not", async () => {
    const parts = await inkParts();
    expect(parts).not.toBeNull(); // Ink 6.8, the version this was written for
    const { ansi } = parts!;
    const { default: width } = (await import('string-width')) as { default: (s: string) => number };
    const rows = new RowComposer(ansi, width);
    const rand = seeded(11);
    const PIECES = [
      'a',
      'Z',
      ' ',
      '·',
      '░',
      '█',
      '─',
      '…',
      '状',
      '🚀',
      'e\u0301',
      '\u200b',
      '\t',
      '\x1b[31m',
      '\x1b[1;4;38;5;208m',
      '\x1b[48;2;1;2;3m',
      '\x1b[39m',
      '\x1b[22m',
      '\x1b[0m',
      '\x1b[m',
      '\x1b[2K',
      '\x1b[',
      '\x1b]8;;https://example.test\x07',
      '\x1b]8;;\x07',
      '\u009b31m',
    ];
    const cells = (
      list: Array<{ value: string; fullWidth: boolean; styles: Array<{ code: string; endCode: string }> }>,
    ) => list.map((c) => [c.value, c.fullWidth, c.styles.map((s) => `${s.code}|${s.endCode}`).join(',')]);
    let fast = 0;
    for (let i = 0; i < 4000; i++) {
      const line = Array.from({ length: rand(24) }, () => PIECES[rand(i % 2 ? 12 : PIECES.length)]).join('');
      const ours = rows.styledChars(line);
      expect(cells(ours), JSON.stringify(line)).toEqual(cells(ansi.styledCharsFromTokens(ansi.tokenize(line))));
      if (/^([\x20-\x7e·░█─…]|\x1b\[[0-9;]*m)*$/.test(line)) fast++;
    }
    expect(fast).toBeGreaterThan(300); // both paths were taken
  });
});
