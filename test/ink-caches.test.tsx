// Ink's per-frame caches kept across frames (components/ink-caches.ts) and frames composed row by row
// (components/ink-compose.ts): frames are byte for byte the ones Ink draws alone, an unchanged line is
// tokenized once rather than on every frame, an unchanged row is not composed again, and what is kept
// stays bounded to the last two frames.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Box, render, Text } from 'ink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seeded } from './helpers/random.js';
import {
  dropInkCaches,
  FrameMemo,
  keepInkCachesAcrossFrames,
  keptLines,
  rowsComposed,
} from '../components/patches/ink-caches.js';

interface Caches {
  widths: Map<string, number>;
  blockWidths: Map<string, number>;
  styledChars: Map<string, unknown>;
}
type Transformer = (line: string, index: number) => string;
interface OutputLike {
  caches: Caches;
  write(x: number, y: number, text: string, o: { transformers: Transformer[] }): void;
  clip(c: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
  unclip(): void;
  get(): { output: string; height: number };
}
type OutputClass = { new (o: { width: number; height: number }): OutputLike; prototype: OutputLike };

/** The module Ink's renderer uses (node_modules/ink/build/output.js). */
async function inkOutput(): Promise<OutputClass> {
  const entry = createRequire(import.meta.url).resolve('ink');
  return ((await import(pathToFileURL(path.join(path.dirname(entry), 'output.js')).href)) as { default: OutputClass })
    .default;
}

class Term extends EventEmitter {
  frames: string[] = [];
  columns = 80;
  rows = 30;
  isTTY = true;
  write = (f: string) => {
    this.frames.push(f);
    return true;
  };
}

/** Borders, colours, wide characters and a changing line, frame after frame. */
function Screen({ n }: { n: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" width={60}>
      <Text bold color="green">
        noetl-loadrun · 状态 ✓ 🚀 frame
      </Text>
      <Text>
        events <Text color="yellow">{n * 37}</Text> · {'█'.repeat(n)}
        {'░'.repeat(10 - n)}
      </Text>
      <Text
        dimColor
        wrap="truncate"
      >{`a line that never changes, long enough to be truncated at the box's edge ${'x'.repeat(40)}`}</Text>
    </Box>
  );
}

async function draw(frames: number, caches: Set<unknown>): Promise<string[]> {
  const Output = await inkOutput();
  const inner = Output.prototype.get;
  Output.prototype.get = function (this: OutputLike) {
    const out = inner.call(this);
    caches.add(this.caches);
    return out;
  };
  const stdout = new Term();
  try {
    const ink = render(<Screen n={0} />, {
      stdout: stdout as never,
      debug: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
    for (let n = 1; n < frames; n++) ink.rerender(<Screen n={n} />);
    ink.unmount();
    return stdout.frames;
  } finally {
    Output.prototype.get = inner;
  }
}

afterEach(() => dropInkCaches());

describe("Ink's caches across frames", () => {
  it('draws the very frames Ink draws alone, with one set of caches instead of one per frame', async () => {
    const alone = new Set<unknown>();
    const plain = await draw(8, alone);
    expect(await keepInkCachesAcrossFrames()).toBe(true); // Ink 6.8, the version it was written for
    const kept = new Set<unknown>();
    const cached = await draw(8, kept);
    expect(cached).toEqual(plain);
    expect(plain.length).toBeGreaterThanOrEqual(8);
    expect(alone.size).toBeGreaterThanOrEqual(8); // Ink alone: new caches every frame
    expect(kept.size).toBe(1);
  });

  it('tokenizes a line that did not change once, not on every frame', async () => {
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    // Every line tokenized is stored in the kept styled characters once (FrameMemo.set).
    const stored = vi.spyOn(FrameMemo.prototype, 'set');
    try {
      await draw(8, new Set());
      const lines = stored.mock.calls.map(([key]) => key);
      expect(lines.filter((k) => k.includes('a line that never changes'))).toHaveLength(1);
      // The changing line: once per distinct text it showed.
      expect(lines.filter((k) => k.includes('events'))).toHaveLength(8);
    } finally {
      stored.mockRestore();
    }
  });

  it("keeps only what the last two frames used, so a long run's distinct lines are not all kept", async () => {
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const Output = await inkOutput();
    let most = 0;
    for (let frame = 0; frame < 30; frame++) {
      const o = new Output({ width: 40, height: 100 });
      for (let y = 0; y < 100; y++)
        o.write(0, y, `frame ${String(frame).padStart(2)} line ${String(y).padStart(3)}`, { transformers: [] });
      o.get();
      most = Math.max(most, keptLines().length);
    }
    expect(most).toBeGreaterThan(100); // the last frame's lines were kept into the next one
    expect(most).toBeLessThanOrEqual(200); // and nothing older
  });

  it('composes again only the rows whose writes changed', async () => {
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const Output = await inkOutput();
    const frame = (changing: string) => {
      const o = new Output({ width: 30, height: 10 });
      for (let y = 0; y < 10; y++) o.write(0, y, y === 4 ? changing : `still ${y}`, { transformers: [] });
      return o.get().output;
    };
    frame('first');
    const before = rowsComposed();
    const out = frame('second');
    expect(rowsComposed() - before).toBe(1);
    expect(out.split('\n')[4]).toBe('second');
  });

  it('composes the frame Ink composes, byte for byte, for any mix of writes, styles, wide characters and clips', async () => {
    const Output = await inkOutput();
    const inks = Output.prototype.get;
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const rand = seeded(42);
    const STYLES = [
      '\x1b[31m',
      '\x1b[1m',
      '\x1b[2m',
      '\x1b[7m',
      '\x1b[38;5;208m',
      '\x1b[48;2;10;20;30m',
      '\x1b[4m',
      '\x1b[39m',
      '\x1b[22m',
      '\x1b[0m',
      '\x1b]8;;https://example.test\x07',
    ];
    const CHARS = ['a', 'b', ' ', '·', '█', '░', '─', '╭', '状', '🚀', 'é', 'e\u0301', '\u200b', '✓', '…'];
    const line = () =>
      Array.from({ length: rand(14) }, () =>
        rand(3) === 0 ? STYLES[rand(STYLES.length)] : CHARS[rand(CHARS.length)],
      ).join('');
    const TRANSFORMERS: Transformer[] = [
      (l) => `\x1b[32m${l}\x1b[39m`,
      (l, i) => (i % 2 ? `\x1b[1m${l}\x1b[22m` : l),
      (l) => l.toUpperCase(),
    ];
    type Op = ['write', number, number, string, Transformer[]] | ['clip', number, number] | ['unclip'];
    const ops = (): Op[] =>
      Array.from({ length: 6 + rand(10) }, (): Op => {
        const k = rand(10);
        if (k === 0) return ['clip', rand(12) - 2, rand(12)];
        if (k === 1) return ['unclip'];
        const text = Array.from({ length: 1 + rand(4) }, line).join('\n');
        return ['write', rand(24) - 2, rand(14) - 2, text, rand(3) === 0 ? [TRANSFORMERS[rand(3)]] : []];
      });
    const compose = (
      list: Op[],
      width: number,
      height: number,
      get: () => { output: string; height: number } | undefined,
    ) => {
      const o = new Output({ width, height });
      let depth = 0;
      for (const op of list) {
        if (op[0] === 'clip') {
          o.clip({ y1: op[1], y2: op[1] + op[2] });
          depth++;
        } else if (op[0] === 'unclip') {
          if (depth > 0) o.unclip();
          depth = Math.max(0, depth - 1);
        } else o.write(op[1], op[2], op[3], { transformers: op[4] });
      }
      return get.call(o);
    };
    let frames = 0;
    for (let screen = 0; screen < 60; screen++) {
      const width = 10 + rand(20);
      const height = 4 + rand(10);
      let list = ops();
      for (let f = 0; f < 5; f++, frames++) {
        // Frame after frame: most writes kept (rows taken from the last frame), some changed.
        if (f > 0) list = list.map((op) => (rand(4) === 0 ? ops()[0] : op));
        const ours = compose(list, width, height, Output.prototype.get as never);
        const theirs = compose(list, width, height, inks as never);
        expect(ours).toEqual(theirs);
      }
    }
    expect(frames).toBe(300);
  });

  it('leaves a frame with horizontal clipping to Ink', async () => {
    const Output = await inkOutput();
    const inks = Output.prototype.get;
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const make = () => {
      const o = new Output({ width: 20, height: 3 });
      o.clip({ x1: 2, x2: 6 });
      o.write(0, 1, '\x1b[31mclipped on both sides\x1b[39m', { transformers: [] });
      o.unclip();
      return o;
    };
    const before = rowsComposed();
    expect(make().get()).toEqual(inks.call(make()));
    expect(rowsComposed()).toBe(before);
  });
});
