// Every key binding of every screen in one place (the run, and what replay adds); the help overlay, the
// footer and the replay's line are generated from it, and each screen asks actionFor() what a key does.
export type Action =
  | 'quit'
  | 'help'
  | 'pause'
  | 'filter'
  | 'toggle-charts'
  | 'toggle-tails'
  | 'toggle-pods'
  | 'toggle-rows'
  | 'toggle-logs'
  | 'chart-wider'
  | 'chart-narrower'
  | 'reconnect'
  | 'snapshot'
  | 'diff'
  | 'focus'
  | 'replay-pause'
  | 'seek-back'
  | 'seek-forward'
  | 'slower'
  | 'faster'
  | 'jump-stall';

/** The screens: the live run (also under a sweep), and a recorded run played back. */
export type Screen = 'run' | 'replay';

export interface Binding {
  keys: string[]; // as shown to the user
  action: Action;
  help: string;
  /** Only on this screen (else on every screen). */
  screen?: Screen;
  /** A word or two for a one-line key list (the replay's line). */
  short?: string;
}

export const KEYMAP: Binding[] = [
  {
    keys: ['q', 'Ctrl-C'],
    action: 'quit',
    help: 'stop observing gracefully and write the report (press again to force)',
  },
  { keys: ['?'], action: 'help', help: 'show or hide this help' },
  { keys: ['p'], action: 'pause', help: 'pause or resume the event stream' },
  {
    keys: ['/'],
    action: 'filter',
    help: 'filter events by type or step (Enter applies; Esc clears, typed or applied)',
  },
  { keys: ['1'], action: 'toggle-charts', help: 'toggle the rows/s charts' },
  { keys: ['2'], action: 'toggle-tails', help: 'toggle the event tails' },
  { keys: ['3'], action: 'toggle-pods', help: 'toggle the pods panel' },
  { keys: ['4'], action: 'toggle-rows', help: 'toggle the row-count panel' },
  { keys: ['l', '5'], action: 'toggle-logs', help: 'show or hide the server and worker logs panel' },
  { keys: ['+'], action: 'chart-wider', help: 'longer chart window' },
  { keys: ['-'], action: 'chart-narrower', help: 'shorter chart window' },
  { keys: ['r'], action: 'reconnect', help: 'reconnect to the server now' },
  { keys: ['s'], action: 'snapshot', help: 'write a report snapshot now' },
  { keys: ['d'], action: 'diff', help: 'show or hide the missing-items diff' },
  { keys: ['tab'], action: 'focus', help: 'move focus between the mode columns' },
  { keys: ['space'], action: 'replay-pause', help: 'pause or resume the playback', screen: 'replay', short: 'pause' },
  { keys: [','], action: 'seek-back', help: 'seek back 10 s', screen: 'replay', short: 'seek −10s' },
  { keys: ['.'], action: 'seek-forward', help: 'seek forward 10 s', screen: 'replay', short: 'seek +10s' },
  { keys: ['['], action: 'slower', help: 'play at half the speed', screen: 'replay', short: 'slower' },
  { keys: [']'], action: 'faster', help: 'play at twice the speed', screen: 'replay', short: 'faster' },
  { keys: ['j'], action: 'jump-stall', help: 'jump to the stall', screen: 'replay', short: 'stall' },
];

/** The bindings of a screen. */
export const keymapOf = (screen: Screen): Binding[] => KEYMAP.filter((b) => !b.screen || b.screen === screen);

export interface KeyInfo {
  ctrl?: boolean;
  tab?: boolean;
}

/** The action bound to an Ink keypress on a screen, if any. */
export function actionFor(input: string, key: KeyInfo, screen: Screen = 'run'): Action | undefined {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.tab) return 'focus';
  const typed = input === ' ' ? 'space' : input;
  for (const b of keymapOf(screen)) if (b.keys.includes(typed)) return b.action;
  return undefined;
}
