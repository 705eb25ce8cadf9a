// The TUI: both modes side by side, pods and row counts, logs, the diff view and the help overlay.
// It renders store snapshots and sends user intents back; it owns no run logic.
import { Box, Text, useStdin, useStdout } from './ink.js';
import { useMemo, type ProfilerOnRenderCallback } from 'react';
import type { Snapshot, SnapshotSource } from '../src/model.js';
import { DiffView } from './DiffView.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { FRAME_MS } from './ink-options.js';
import { KEYMAP, type Screen } from './keymap.js';
import { computeLayout } from './layout.js';
import { LogsPanel } from './LogsPanel.js';
import { ModeColumn } from './ModeColumn.js';
import { PodsPanel } from './PodsPanel.js';
import { RowsPanel } from './RowsPanel.js';
import { TooSmall } from './TooSmall.js';
import { useSnapshot } from './useSnapshot.js';
import { useTerminalSize } from './useTerminalSize.js';
import { useViewKeys, type AppActions, type ViewState } from './useViewKeys.js';

export type { AppActions } from './useViewKeys.js';

export interface AppProps {
  store: Pick<SnapshotSource, 'snapshot' | 'subscribe'>;
  actions: AppActions;
  refreshMs?: number;
  /** Rows above the App that belong to its host (the replay's own line). */
  reservedRows?: number;
  /** Which screen hosts it: the help overlay lists that screen's keys too. */
  screen?: Screen;
  /** Measurement only (tests, bench): each mode column's renders. */
  profile?: ProfilerOnRenderCallback;
}

const FOOTER_KEYS = ['quit', 'help', 'diff', 'toggle-logs', 'pause', 'filter'];

function footerText(snapshot: Snapshot, view: ViewState): string {
  if (view.editing !== null) return `filter: ${view.editing}▏ (Enter applies, Esc clears)`;
  if (view.quitting && !snapshot.finished) return 'stopping: finishing up and writing the report… (q again forces)';
  if (snapshot.finished)
    return `run finished — ${snapshot.modes.map((m) => `${m.mode} ${m.verdict.toUpperCase()}`).join(', ')} · d diff · q exit`;
  return KEYMAP.filter((b) => FOOTER_KEYS.includes(b.action))
    .map((b) => `${b.keys[0]} ${b.action.replace('toggle-', '')}`)
    .join(' · ');
}

export function App({ store, actions, refreshMs = FRAME_MS, reservedRows = 0, screen = 'run', profile }: AppProps) {
  const snapshot = useSnapshot(store, refreshMs);
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const { cols, rows: fullRows } = useTerminalSize(stdout);
  const rows = fullRows - reservedRows;
  const view = useViewKeys(
    actions,
    { finished: snapshot.finished, modes: snapshot.modes.length },
    Boolean(isRawModeSupported),
  );
  // One layout object per size and toggles, so memoised panels see the same one between frames.
  const layout = useMemo(
    () => computeLayout(cols, rows, view.toggles, view.chartWindow),
    [cols, rows, view.toggles, view.chartWindow],
  );
  if (layout.tooSmall) return <TooSmall cols={cols} rows={rows} />;
  const halfWidth = Math.floor(cols / 2);
  const { toggles } = view;
  return (
    <Box flexDirection="column" width={cols} height={layout.frameHeight} overflowY="hidden">
      <Header snapshot={snapshot} layout={layout} />
      {view.help ? (
        <HelpOverlay layout={layout} height={layout.modeHeight} screen={screen} />
      ) : (view.diff ?? snapshot.finished) ? (
        <DiffView snapshot={snapshot} layout={layout} height={layout.modeHeight} />
      ) : (
        <Box flexDirection="row" height={layout.modeHeight}>
          {snapshot.modes.map((m, i) => (
            <ModeColumn
              key={m.mode}
              mode={m}
              layout={layout}
              focused={i === view.focus && snapshot.modes.length > 1}
              filter={view.filter}
              retriesNote={snapshot.target.retriesNote ?? null}
              profile={profile}
            />
          ))}
        </Box>
      )}
      {layout.bottomHeight > 0 && (
        <Box flexDirection="row" height={layout.bottomHeight}>
          {toggles.pods && <PodsPanel snapshot={snapshot} layout={layout} width={toggles.rows ? halfWidth : cols} />}
          {toggles.rows && (
            <RowsPanel snapshot={snapshot} layout={layout} width={toggles.pods ? cols - halfWidth : cols} />
          )}
        </Box>
      )}
      {layout.logsHeight > 0 && <LogsPanel snapshot={snapshot} layout={layout} />}
      <Text
        wrap="truncate"
        dimColor={!view.quitting && !snapshot.finished}
        color={snapshot.finished ? 'green' : view.quitting ? 'yellow' : undefined}
      >
        {footerText(snapshot, view)}
      </Text>
    </Box>
  );
}
