// One keymap for every screen (issue #28): no key does two things on a screen, the replay's keys come from
// the same table as the run's, and the help overlay lists what the screen it is on answers to.
import { describe, expect, it } from 'vitest';
import { actionFor, KEYMAP, keymapOf } from '../components/keymap.js';

describe('the keymap', () => {
  it('binds no key twice on a screen, and each action once', () => {
    for (const screen of ['run', 'replay'] as const) {
      const keys = keymapOf(screen).flatMap((b) => b.keys);
      expect(keys.length, screen).toBe(new Set(keys).size);
    }
    expect(new Set(KEYMAP.map((b) => b.action)).size).toBe(KEYMAP.length);
  });

  it('answers the replay keys only on the replay screen; l and 5 are the one logs toggle', () => {
    expect(actionFor(' ', {}, 'replay')).toBe('replay-pause');
    expect(actionFor(' ', {}, 'run')).toBeUndefined();
    expect(actionFor('j', {}, 'replay')).toBe('jump-stall');
    expect(actionFor('l', {})).toBe('toggle-logs');
    expect(actionFor('5', {})).toBe('toggle-logs');
    expect(actionFor('c', { ctrl: true }, 'replay')).toBe('quit');
    expect(keymapOf('replay').map((b) => b.action)).toEqual(expect.arrayContaining(['seek-back', 'quit', 'help']));
  });
});
