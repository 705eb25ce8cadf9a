// Every key binding in one place; the help overlay and the footer are generated from it.
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
  | 'logs'
  | 'focus';

export interface Binding {
  keys: string[]; // as shown to the user
  action: Action;
  help: string;
}

export const KEYMAP: Binding[] = [
  {
    keys: ['q', 'Ctrl-C'],
    action: 'quit',
    help: 'stop observing gracefully and write the report (press again to force)',
  },
  { keys: ['?'], action: 'help', help: 'show or hide this help' },
  { keys: ['p'], action: 'pause', help: 'pause or resume the event stream' },
  { keys: ['/'], action: 'filter', help: 'filter events by type or step (Enter applies, Esc clears)' },
  { keys: ['1'], action: 'toggle-charts', help: 'toggle the rows/s charts' },
  { keys: ['2'], action: 'toggle-tails', help: 'toggle the event tails' },
  { keys: ['3'], action: 'toggle-pods', help: 'toggle the pods panel' },
  { keys: ['4'], action: 'toggle-rows', help: 'toggle the row-count panel' },
  { keys: ['5'], action: 'toggle-logs', help: 'toggle the logs panel' },
  { keys: ['+'], action: 'chart-wider', help: 'longer chart window' },
  { keys: ['-'], action: 'chart-narrower', help: 'shorter chart window' },
  { keys: ['r'], action: 'reconnect', help: 'reconnect to the server now' },
  { keys: ['s'], action: 'snapshot', help: 'write a report snapshot now' },
  { keys: ['d'], action: 'diff', help: 'show or hide the missing-items diff' },
  { keys: ['l'], action: 'logs', help: 'show or hide server and worker logs' },
  { keys: ['tab'], action: 'focus', help: 'move focus between the mode columns' },
];

export interface KeyInfo {
  ctrl?: boolean;
  tab?: boolean;
}

/** The action bound to an Ink keypress, if any. */
export function actionFor(input: string, key: KeyInfo): Action | undefined {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.tab) return 'focus';
  for (const b of KEYMAP) if (b.keys.includes(input)) return b.action;
  return undefined;
}
