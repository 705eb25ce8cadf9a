// Remembered string widths for Ink (components/width-cache.ts): Ink's own text measuring (widest-line,
// render-node-to-output.js) goes through them, a line measured on one frame is not measured again on the
// next, and every remembered width is the one string-width gives. Ink is imported only after the hook
// is in place, as the tool does (src/commands/run.ts loadTui()): no static import of it here.
import { describe, expect, it } from 'vitest';
import { rememberedWidths, rememberStringWidths, WIDTH_MEMO_ENTRIES } from '../components/patches/width-cache.js';

describe('remembered string widths', () => {
  it("serve Ink's measuring of each frame, with the widths string-width gives", async () => {
    expect(rememberStringWidths()).toBe(true);
    const { Box, render, Text } = await import('ink');
    const { EventEmitter } = await import('node:events');
    const stdout = Object.assign(new EventEmitter(), { columns: 80, rows: 24, isTTY: true, frames: [] as string[] });
    const write = (f: string) => {
      stdout.frames.push(f);
      return true;
    };
    const Screen = ({ n }: { n: number }) => (
      <Box flexDirection="column" borderStyle="round" width={50}>
        <Text>{`step run_direct_stress · events ${n}`}</Text>
        <Text color="cyan">
          {'█'.repeat(n)}
          {'░'.repeat(12 - n)} 状态 ✓
        </Text>
        <Text>a line that never changes · ever</Text>
      </Box>
    );
    const ink = render(<Screen n={1} />, {
      stdout: Object.assign(stdout, { write }) as never,
      debug: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
    for (let n = 2; n <= 6; n++) ink.rerender(<Screen n={n} />);
    ink.unmount();
    const memos = rememberedWidths();
    expect(memos).toBeInstanceOf(Map);
    // The string-width widest-line imports (the top-level copy), which Ink's renderer measures with.
    const [url, memo] =
      [...memos!].find(
        ([u]) => /\/node_modules\/string-width\/index\.js$/.test(u) && !/\/node_modules\/.+\/node_modules\//.test(u),
      ) ?? [];
    expect(url).toBeDefined();
    const keys = [...memo!.keys()];
    expect(keys.filter((k) => k.includes('a line that never changes'))).toHaveLength(1); // measured once, for six frames
    expect(keys.filter((k) => k.includes('events')).length).toBeGreaterThanOrEqual(6); // each text it showed
    for (const [u, m] of memos!) {
      const real = ((await import(u)) as { default: (s: string) => number }).default; // each memo against its own copy
      for (const [text, width] of m) expect(width).toBe(real(text));
      expect(m.size).toBeLessThanOrEqual(WIDTH_MEMO_ENTRIES);
    }
    expect(stdout.frames.some((f) => f.includes('events 6'))).toBe(true);
  });
});
