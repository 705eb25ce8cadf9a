// The screen's own state (panel toggles, chart window, overlays, filter, focus) and the key handler that
// changes it or sends an intent to the run; bindings come from the keymap.
import { useInput } from './ink.js';
import { useRef, useState } from 'react';
import { actionFor, type Action } from './keymap.js';
import type { Toggles } from './layout.js';

export interface AppActions {
  quit(): void;
  reconnect(): void;
  writeSnapshot(): void;
  togglePause(): void;
}

export const CHART_WINDOWS = [30, 60, 120, 240];

export interface ViewState {
  toggles: Toggles;
  chartWindow: number;
  help: boolean;
  /** null: automatic (the diff is shown once the run ends). */
  diff: boolean | null;
  filter: string;
  editing: string | null;
  focus: number;
  quitting: boolean;
}

const TOGGLE_OF: Partial<Record<Action, keyof Toggles>> = {
  'toggle-charts': 'charts',
  'toggle-tails': 'tails',
  'toggle-pods': 'pods',
  'toggle-rows': 'rows',
  'toggle-logs': 'logs',
};

/** The event filter: typed after `/`, applied on Enter, cleared on Escape (while typing or once applied). */
function useFilterEditor() {
  const [filter, setFilter] = useState('');
  const [editing, setEditingState] = useState<string | null>(null);
  // Keys can arrive faster than React re-renders: the filter being typed lives in a ref too.
  const editRef = useRef<string | null>(null);
  const setEditing = (v: string | null) => {
    editRef.current = v;
    setEditingState(v);
  };
  const editKey = (
    buf: string,
    input: string,
    key: { return: boolean; escape: boolean; backspace: boolean; delete: boolean; ctrl: boolean; meta: boolean },
  ) => {
    if (key.return) setFilter(buf.trim());
    else if (key.escape) setFilter('');
    else if (key.backspace || key.delete) return setEditing(buf.slice(0, -1));
    else if (input && !key.ctrl && !key.meta) return setEditing(buf + input);
    else return;
    setEditing(null);
  };

  return { filter, editing, editRef, setEditing, editKey, clearFilter: () => setFilter('') };
}

export function useViewKeys(
  actions: AppActions,
  run: { finished: boolean; modes: number },
  active: boolean,
): ViewState {
  const [toggles, setToggles] = useState<Toggles>({ charts: true, tails: true, pods: true, rows: true, logs: false });
  const [win, setWin] = useState(1);
  const [help, setHelp] = useState(false);
  const [diff, setDiff] = useState<boolean | null>(null);
  const { filter, editing, editRef, setEditing, editKey, clearFilter } = useFilterEditor();
  const [focus, setFocus] = useState(0);
  const [quitting, setQuitting] = useState(false);

  const run_: Partial<Record<Action, () => void>> = {
    quit: () => {
      setQuitting(true);
      actions.quit();
    },
    help: () => setHelp((h) => !h),
    pause: () => actions.togglePause(),
    filter: () => setEditing(filter),
    'chart-wider': () => setWin((w) => Math.min(CHART_WINDOWS.length - 1, w + 1)),
    'chart-narrower': () => setWin((w) => Math.max(0, w - 1)),
    reconnect: () => actions.reconnect(),
    snapshot: () => actions.writeSnapshot(),
    diff: () => setDiff((d) => !(d ?? run.finished)),
    focus: () => setFocus((f) => (f + 1) % Math.max(1, run.modes)),
  };

  useInput(
    (input, key) => {
      if (editRef.current !== null) return editKey(editRef.current, input, key);
      // Esc clears an applied filter as well as one being typed.
      if (key.escape && filter) return clearFilter();
      const action = actionFor(input, { ctrl: key.ctrl, tab: key.tab });
      if (!action) return;
      const toggle = TOGGLE_OF[action];
      if (toggle) setToggles((t) => ({ ...t, [toggle]: !t[toggle] }));
      else run_[action]?.();
    },
    { isActive: active },
  );
  return { toggles, chartWindow: CHART_WINDOWS[win], help, diff, filter, editing, focus, quitting };
}
