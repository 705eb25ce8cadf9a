// Header, pods, row counts, logs, diff view and help overlay.
import { Box, Text } from 'ink';
import { formatRanges } from '../src/report/missing-items.js';
import type { Snapshot } from '../src/run/store.js';
import { clip, cpu, elapsed, mib, sparkline } from './format.js';
import { KEYMAP } from './keymap.js';
import type { Layout } from './layout.js';

export function Header({ s, layout }: { s: Snapshot; layout: Layout }) {
  const p = s.params;
  const t = s.target;
  const phases = s.phases.map((ph) => `${ph.state === 'done' ? '✓' : ph.state === 'running' ? '●' : ph.state === 'failed' ? '✗' : '○'}${ph.name}`).join(' ');
  return (
    <Box flexDirection="column" height={layout.headerHeight} width={layout.cols}>
      <Text wrap="truncate">
        <Text bold color="cyan">noetl-loadrun</Text> · {t.kind} <Text dimColor>{t.serverUrl || '…'}</Text> · {t.dialect} · port-forward {t.portForward ?? 'n/a'} · rows via {t.rowsSource} · <Text bold>{elapsed(s.now - s.startedAt)}</Text>
      </Text>
      <Text wrap="truncate">
        {p.preset ? `preset ${p.preset}: ` : 'custom: '}
        {p.seedRows} rows · {p.payloadKb} KB/item · batch {p.batchSize}×{p.maxBatches}
        {t.faults.length ? <Text color="yellow"> · FAULT {t.faults.join(', ')} (emulation)</Text> : null}
        {s.paused ? <Text color="yellow"> · events PAUSED</Text> : null}
      </Text>
      <Text wrap="truncate" color={s.degraded ? 'yellow' : undefined} dimColor={!s.degraded}>
        {s.degraded ? `⚠ ${s.degraded}` : phases}
      </Text>
    </Box>
  );
}

export function PodsPanel({ s, layout, width }: { s: Snapshot; layout: Layout; width: number }) {
  const now = s.now;
  const pods = s.pods.slice(0, layout.podsLines);
  const inner = width - 4;
  const nameW = Math.min(26, Math.max(14, inner - 32));
  const spark = Math.max(0, Math.min(20, inner - nameW - 29));
  const row = (name: string, c: string, m: string, d: string, sp: string, age: string) =>
    `${clip(name, nameW).padEnd(nameW)} ${c.padStart(6)} ${m.padStart(6)} ${d.padStart(6)} ${spark ? sp.padEnd(spark) : ''} ${age.padStart(4)}`;
  return (
    <Box flexDirection="column" width={width} height={layout.bottomHeight} borderStyle="round" borderColor="gray" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate">
        {row('pods', 'CPU', 'MEM', 'Δ MEM', spark ? 'memory' : '', 'age')}
      </Text>
      {s.podsNote && !pods.length ? <Text color="yellow" wrap="truncate">{s.podsNote}</Text> : null}
      {pods.map((p) => {
        const delta = p.memoryBytes !== null && p.firstMemoryBytes !== null ? p.memoryBytes - p.firstMemoryBytes : null;
        const d = delta === null ? '—' : `${delta >= 0 ? '+' : ''}${(delta / 1048576).toFixed(0)}Mi`;
        return (
          <Text key={p.name} wrap="truncate" color={delta !== null && delta > 50 * 1048576 ? 'yellow' : undefined}>
            {row(p.name, cpu(p.cpuMillicores), mib(p.memoryBytes), d, sparkline(p.memoryHistory, spark), `${Math.round((now - p.sampledAt) / 1000)}s`)}
          </Text>
        );
      })}
    </Box>
  );
}

export function RowsPanel({ s, layout, width }: { s: Snapshot; layout: Layout; width: number }) {
  const w = [16, 6, 5, 4, 4, 7, 8];
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? clip(c, w[i]).padEnd(w[i]) : c.padStart(w[i]))).join(' ');
  const batches = s.modes.filter((m) => m.stats && Object.keys(m.stats.perBatch).length > 1);
  return (
    <Box flexDirection="column" width={width} height={layout.bottomHeight} borderStyle="round" borderColor="gray" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate">
        {fmt(['rows', 'stored', 'ok', 'min', 'max', 'avg req', 'avg resp'])}
      </Text>
      {s.modes.map((m) => (
        <Text key={m.mode} wrap="truncate">
          {fmt([
            m.mode,
            String(m.stats?.storedRows ?? 0),
            String(m.stats?.okRows ?? 0),
            String(m.stats?.minItemId ?? '—'),
            String(m.stats?.maxItemId ?? '—'),
            `${Math.round((m.stats?.avgRequestBytes ?? 0) / 1024)}K`,
            `${Math.round((m.stats?.avgResponseBytes ?? 0) / 1024)}K`,
          ])}
        </Text>
      ))}
      {!layout.compact && batches.length ? (
        <Text dimColor wrap="truncate">
          per batch: {batches.map((m) => `${Object.entries(m.stats!.perBatch).map(([b, n]) => `${b}:${n}`).join(' ')}`).join(' · ')}
        </Text>
      ) : null}
    </Box>
  );
}

export function LogsPanel({ s, layout }: { s: Snapshot; layout: Layout }) {
  const lines = s.logs.slice(-(layout.logsHeight - 3));
  return (
    <Box flexDirection="column" width={layout.cols} height={layout.logsHeight} borderStyle="round" borderColor="gray" paddingX={1} overflow="hidden">
      <Text bold>logs</Text>
      {s.logsNote && !lines.length ? <Text color="yellow">{s.logsNote}</Text> : null}
      {lines.map((l) => (
        <Text key={l.seq} wrap="truncate" color={l.level === 'error' || /error|fail/i.test(l.text) ? 'red' : l.level === 'warn' || /retry/i.test(l.text) ? 'yellow' : undefined}>
          <Text dimColor>[{l.source}]</Text> {l.text}
        </Text>
      ))}
    </Box>
  );
}

export function DiffView({ s, layout, height }: { s: Snapshot; layout: Layout; height: number }) {
  const lines: Array<{ text: string; color?: string }> = [];
  for (const m of s.modes) {
    if (!m.diff) {
      lines.push({ text: `${m.mode}: ${s.finished ? 'not measured' : 'computed when the run ends'}`, color: 'gray' });
      continue;
    }
    lines.push({ text: `${m.mode} (${m.verdict.toUpperCase()}): ${m.diff.missingCount} missing of ${m.diff.expected}: ${formatRanges(m.diff.missing, 12)}`, color: m.diff.missingCount ? 'red' : 'green' });
    if (m.stall) {
      const st = m.stall;
      lines.push({ text: `   stalled: idle ${st.idleSeconds}s, max persisted item_id ${st.maxPersistedItemId ?? '—'}, iterations ${st.iterationsDone}/${st.iterationsIssued} done, open executions ${st.openExecutions.length}, retries ${Object.entries(st.retriesPerNode).map(([k, v]) => `${k} ${v}`).join(' ') || 'none'}`, color: 'red' });
      lines.push({ text: `   memory: ${st.podMemoryTrend.map((t) => `${t.pod} ${t.firstMiB}→${t.lastMiB} MiB`).join(', ') || 'no samples'}`, color: 'red' });
    }
    for (const w of m.diff.windows) {
      if (w.missing) lines.push({ text: `   window ${w.batchNumber} (items ${w.from}–${w.to}): ${w.missing} missing  ${formatRanges(w.ranges, 6)}`, color: 'yellow' });
    }
  }
  if (s.cross) {
    lines.push({ text: 'cross-mode:' });
    lines.push({ text: `   stored by chunked_optimal, missing in direct_stress: ${formatRanges(s.cross.onlyChunked, 10)}` });
    lines.push({ text: `   stored by direct_stress, missing in chunked_optimal: ${formatRanges(s.cross.onlyDirect, 10)}` });
    lines.push({ text: `   missing in both: ${formatRanges(s.cross.missingInBoth, 10)}` });
  }
  if (s.reportDir) lines.push({ text: `report: ${s.reportDir}`, color: 'gray' });
  return (
    <Box flexDirection="column" width={layout.cols} height={height} borderStyle="double" borderColor="magenta" paddingX={1} overflow="hidden">
      <Text bold color="magenta">
        missing-items diff{s.finished ? ' — final' : ''}
      </Text>
      {lines.slice(0, height - 3).map((l, i) => (
        <Text key={i} color={l.color} wrap="truncate">
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

export function HelpOverlay({ layout, height }: { layout: Layout; height: number }) {
  return (
    <Box flexDirection="column" width={layout.cols} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold color="cyan">keys</Text>
      {KEYMAP.map((b) => (
        <Text key={b.action} wrap="truncate">
          <Text bold>{b.keys.join(' / ').padEnd(12)}</Text> {b.help}
        </Text>
      ))}
    </Box>
  );
}
