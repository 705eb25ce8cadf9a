// Ink's per-frame caches kept across frames (components/ink-caches.ts): frames are the same as Ink draws
// them alone, an unchanged line is tokenized once rather than on every frame, and the caches stay bounded.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Box, render, Text } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { dropInkCaches, keepInkCachesAcrossFrames, LIMITS } from '../components/ink-caches.js';

interface Caches { widths: Map<string, number>; blockWidths: Map<string, number>; styledChars: Map<string, unknown> }
interface OutputLike { caches: Caches; write(x: number, y: number, text: string, o: { transformers: unknown[] }): void; get(): { output: string } }
type OutputClass = { new (o: { width: number; height: number }): OutputLike; prototype: OutputLike };

/** The module Ink's renderer uses (node_modules/ink/build/output.js). */
async function inkOutput(): Promise<OutputClass> {
  const entry = createRequire(import.meta.url).resolve('ink');
  return ((await import(pathToFileURL(path.join(path.dirname(entry), 'output.js')).href)) as { default: OutputClass }).default;
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
      <Text bold color="green">noetl-loadrun · 状态 ✓ 🚀 frame</Text>
      <Text>
        events <Text color="yellow">{n * 37}</Text> · {'█'.repeat(n)}{'░'.repeat(10 - n)}
      </Text>
      <Text dimColor wrap="truncate">{`a line that never changes, long enough to be truncated at the box's edge ${'x'.repeat(40)}`}</Text>
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
    const ink = render(<Screen n={0} />, { stdout: stdout as never, debug: true, patchConsole: false, exitOnCtrlC: false });
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
    const caches = new Set<unknown>();
    await draw(8, caches);
    const c = [...caches][0] as Caches;
    const unchanged = [...c.styledChars.keys()].filter((k) => k.includes('a line that never changes'));
    expect(unchanged).toHaveLength(1);
    // The changing line: one entry per distinct text it showed.
    expect([...c.styledChars.keys()].filter((k) => k.includes('events')).length).toBe(8);
  });

  it(`starts over past ${LIMITS.chars} characters of kept lines, so a long run's distinct lines are not all kept`, async () => {
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const Output = await inkOutput();
    const charsOf = (c: Caches) => [...c.styledChars.keys()].reduce((n, k) => n + k.length, 0);
    let frameChars = 0;
    let biggest = 0;
    for (let frame = 0; frame < 30; frame++) {
      const o = new Output({ width: 40, height: 100 });
      for (let y = 0; y < 100; y++) o.write(0, y, `frame ${String(frame).padStart(2)} line ${String(y).padStart(3)}`, { transformers: [] });
      o.get();
      frameChars ||= charsOf(o.caches);
      biggest = Math.max(biggest, charsOf(o.caches));
    }
    expect(biggest).toBeGreaterThan(2 * frameChars); // it did keep lines across frames
    expect(biggest).toBeLessThan(LIMITS.chars + frameChars); // and never more than a frame past the limit
  });
});
