// The TUI: both modes side by side, pods and row counts, logs, the diff view and the help overlay.
// It renders store snapshots and sends user intents back; it owns no run logic.
import { Box, Text, useInput, useStdin, useStdout } from 'ink';
import { useRef, useState } from 'react';
import { actionFor, KEYMAP } from './keymap.js';
import { computeLayout, MIN_COLS, MIN_ROWS, type Toggles } from './layout.js';
import { ModeColumn } from './ModeColumn.js';
import { DiffView, Header, HelpOverlay, LogsPanel, PodsPanel, RowsPanel } from './Panels.js';
import { useSnapshot, useTerminalSize, type SnapshotSource } from './useSnapshot.js';

export interface AppActions {
  quit(): void;
  reconnect(): void;
  writeSnapshot(): void;
  togglePause(): void;
}

export interface AppProps {
  store: SnapshotSource;
  actions: AppActions;
  refreshMs?: number;
  /** Shown in the footer while a quit is in progress. */
  quitting?: boolean;
}

const WINDOWS = [30, 60, 120, 240];

export function App({ store, actions, refreshMs = 100 }: AppProps) {
  const s = useSnapshot(store, refreshMs);
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const { cols, rows } = useTerminalSize(stdout);
  const [toggles, setToggles] = useState<Toggles>({ charts: true, tails: true, pods: true, rows: true, logs: false });
  const [win, setWin] = useState(1);
  const [help, setHelp] = useState(false);
  const [diff, setDiff] = useState<boolean | null>(null); // null: automatic (shown when the run ends)
  const [filter, setFilter] = useState('');
  const [editing, setEditingState] = useState<string | null>(null);
  // Keys can arrive faster than React re-renders: the filter being typed lives in a ref too.
  const editRef = useRef<string | null>(null);
  const setEditing = (v: string | null) => {
    editRef.current = v;
    setEditingState(v);
  };
  const [focus, setFocus] = useState(0);
  const [quitting, setQuitting] = useState(false);

  useInput((input, key) => {
    const buf = editRef.current;
    if (buf !== null) {
      if (key.return) {
        setFilter(buf.trim());
        setEditing(null);
      } else if (key.escape) {
        setFilter('');
        setEditing(null);
      } else if (key.backspace || key.delete) setEditing(buf.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setEditing(buf + input);
      return;
    }
    const action = actionFor(input, { ctrl: key.ctrl, tab: key.tab });
    const flip = (k: keyof Toggles) => setToggles((t) => ({ ...t, [k]: !t[k] }));
    switch (action) {
      case 'quit':
        setQuitting(true);
        actions.quit();
        break;
      case 'help':
        setHelp((h) => !h);
        break;
      case 'pause':
        actions.togglePause();
        break;
      case 'filter':
        setEditing(filter);
        break;
      case 'toggle-charts':
        flip('charts');
        break;
      case 'toggle-tails':
        flip('tails');
        break;
      case 'toggle-pods':
        flip('pods');
        break;
      case 'toggle-rows':
        flip('rows');
        break;
      case 'toggle-logs':
      case 'logs':
        flip('logs');
        break;
      case 'chart-wider':
        setWin((w) => Math.min(WINDOWS.length - 1, w + 1));
        break;
      case 'chart-narrower':
        setWin((w) => Math.max(0, w - 1));
        break;
      case 'reconnect':
        actions.reconnect();
        break;
      case 'snapshot':
        actions.writeSnapshot();
        break;
      case 'diff':
        setDiff((d) => !(d ?? s.finished));
        break;
      case 'focus':
        setFocus((f) => (f + 1) % Math.max(1, s.modes.length));
        break;
      default:
        break;
    }
  }, { isActive: isRawModeSupported });

  const layout = computeLayout(cols, rows, toggles, WINDOWS[win]);
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column" width={Math.max(20, cols)}>
        <Text color="yellow" wrap="wrap">
          Terminal too small: need at least {MIN_COLS}×{MIN_ROWS}, have {cols}×{rows}.
        </Text>
        <Text wrap="wrap">Enlarge the window, or run with --no-tui. q quits.</Text>
      </Box>
    );
  }
  const showDiff = diff ?? s.finished;
  const halfWidth = Math.floor(cols / 2);
  const footer = editing !== null
    ? `filter: ${editing}▏ (Enter applies, Esc clears)`
    : quitting && !s.finished
      ? 'stopping: finishing up and writing the report… (q again forces)'
      : s.finished
        ? `run finished — ${s.modes.map((m) => `${m.mode} ${m.verdict.toUpperCase()}`).join(', ')} · d diff · q exit`
        : KEYMAP.filter((b) => ['quit', 'help', 'diff', 'logs', 'pause', 'filter'].includes(b.action)).map((b) => `${b.keys[0]} ${b.action}`).join(' · ');
  return (
    <Box flexDirection="column" width={cols} height={layout.frameHeight} overflow="hidden">
      <Header s={s} layout={layout} />
      {help ? (
        <HelpOverlay layout={layout} height={layout.modeHeight} />
      ) : showDiff ? (
        <DiffView s={s} layout={layout} height={layout.modeHeight} />
      ) : (
        <Box flexDirection="row" height={layout.modeHeight}>
          {s.modes.map((m, i) => (
            <ModeColumn key={m.mode} m={m} layout={layout} focused={i === focus && s.modes.length > 1} filter={filter} />
          ))}
        </Box>
      )}
      {layout.bottomHeight > 0 && (
        <Box flexDirection="row" height={layout.bottomHeight}>
          {toggles.pods && <PodsPanel s={s} layout={layout} width={toggles.rows ? halfWidth : cols} />}
          {toggles.rows && <RowsPanel s={s} layout={layout} width={toggles.pods ? cols - halfWidth : cols} />}
        </Box>
      )}
      {layout.logsHeight > 0 && <LogsPanel s={s} layout={layout} />}
      <Text wrap="truncate" dimColor={!quitting && !s.finished} color={s.finished ? 'green' : quitting ? 'yellow' : undefined}>
        {footer}
      </Text>
    </Box>
  );
}
