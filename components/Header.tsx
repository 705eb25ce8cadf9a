// The header: target, dialect, forward and rows source, the parameters, and the phases (or what is degraded).
import { Box, Text } from './ink.js';
import type { Snapshot } from '../src/model.js';
import { elapsed } from './format.js';
import type { Layout } from './layout.js';

const PHASE_MARK: Record<string, string> = { done: '✓', running: '●', failed: '✗' };

export function Header({ snapshot, layout }: { snapshot: Snapshot; layout: Layout }) {
  const p = snapshot.params;
  const t = snapshot.target;
  const phases = snapshot.phases.map((ph) => `${PHASE_MARK[ph.state] ?? '○'}${ph.name}`).join(' ');
  return (
    <Box flexDirection="column" height={layout.headerHeight} width={layout.cols}>
      <Text wrap="truncate">
        <Text bold color="cyan">
          noetl-loadrun
        </Text>{' '}
        · {t.kind} <Text dimColor>{t.serverUrl || '…'}</Text> · {t.dialect} · port-forward {t.portForward ?? 'n/a'} ·
        rows via {t.rowsSource} · <Text bold>{elapsed(snapshot.now - snapshot.startedAt)}</Text>
      </Text>
      <Text wrap="truncate">
        {p.preset ? `preset ${p.preset}: ` : 'custom: '}
        {p.seedRows} rows · {p.payloadKb} KB/item · batch {p.batchSize}×{p.maxBatches}
        {t.faults.length ? <Text color="yellow"> · FAULT {t.faults.join(', ')} (emulation)</Text> : null}
        {snapshot.paused ? <Text color="yellow"> · events PAUSED</Text> : null}
        {t.playbookWarnings ? (
          <Text color="yellow"> · ⚠ {t.playbookWarnings} playbook construct(s) this engine ignores (logs: l)</Text>
        ) : null}
      </Text>
      <Text wrap="truncate" color={snapshot.degraded ? 'yellow' : undefined} dimColor={!snapshot.degraded}>
        {snapshot.degraded ? `⚠ ${snapshot.degraded}` : phases}
      </Text>
    </Box>
  );
}
