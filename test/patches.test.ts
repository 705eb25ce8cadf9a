// The patches of dependencies (components/patches/): on with the versions they were proven on, off with
// another version or NOETL_LOADRUN_PATCHES=off, each with the line that says why. The packed package's
// TUI with its patches on, and off after a pinned version changed: test/install.test.ts.
import { describe, expect, it } from 'vitest';
import { decidePatches, installedVersion, installPatches, PINS } from '../components/patches/index.js';

const proven: Record<string, string> = {
  ink: '6.8.0',
  'string-width': '8.3.0',
  '@alcalzone/ansi-tokenize': '0.2.5',
};

describe('which patches apply', () => {
  it('applies every patch to the versions it was proven on, and to this install', () => {
    expect(decidePatches({}, (n) => proven[n])).toEqual({ 'string-widths': undefined, 'ink-frame': undefined });
    expect(decidePatches({})).toEqual({ 'string-widths': undefined, 'ink-frame': undefined });
    for (const name of Object.keys(proven)) expect(installedVersion(name)).toBeDefined();
  });

  it('turns a patch off when a pinned version changes, naming the package and its version', () => {
    const why = decidePatches({}, (n) => (n === '@alcalzone/ansi-tokenize' ? '0.3.0' : proven[n]));
    expect(why['string-widths']).toBeUndefined();
    expect(why['ink-frame']).toMatch(/^@alcalzone\/ansi-tokenize 0\.3\.0 is not the version it was proven on/);
    const ink = decidePatches({}, (n) => (n === 'ink' ? '6.9.0' : proven[n]));
    expect(Object.values(ink).every((w) => w?.startsWith('ink 6.9.0 is not'))).toBe(true);
    expect(decidePatches({}, (n) => (n === 'string-width' ? undefined : proven[n]))['string-widths']).toMatch(
      /string-width not found/,
    );
  });

  it('turns every patch off with NOETL_LOADRUN_PATCHES=off', () => {
    const why = decidePatches({ NOETL_LOADRUN_PATCHES: 'off' }, (n) => proven[n]);
    expect(Object.keys(why)).toEqual(Object.keys(PINS));
    expect(Object.values(why)).toEqual(['NOETL_LOADRUN_PATCHES=off', 'NOETL_LOADRUN_PATCHES=off']);
  });

  it('installs both here, once', async () => {
    const states = await installPatches();
    expect(states).toEqual([
      { name: 'string-widths', on: true, why: 'on' },
      { name: 'ink-frame', on: true, why: 'on' },
    ]);
    expect(await installPatches()).toBe(states);
  });
});
