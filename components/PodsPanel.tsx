// Pods (or sandbox processes): CPU, memory, growth since the first sample, a memory sparkline, sample age.
import { Box, Text } from './ink.js';
import type { PodView, Snapshot } from '../src/model.js';
import { clip, cpu, mib, sparkline } from './format.js';
import type { Layout } from './layout.js';

const MiB = 1048576;

function growth(pod: PodView): number | null {
  return pod.memoryBytes !== null && pod.firstMemoryBytes !== null ? pod.memoryBytes - pod.firstMemoryBytes : null;
}

export function PodsPanel({ snapshot, layout, width }: { snapshot: Snapshot; layout: Layout; width: number }) {
  const pods = snapshot.pods.slice(0, layout.podsLines);
  const inner = width - 4;
  // CPU, MEM, Δ MEM and age take 27 columns with their gaps: the name gives way before any of them is cut.
  const nameWidth = Math.max(6, Math.min(26, inner - 28));
  // A sparkline narrower than its header ('memory') is no sparkline: the columns after it would be cut.
  const room = Math.min(20, inner - nameWidth - 29);
  const sparkWidth = room >= 6 ? room : 0;
  const row = (name: string, c: string, m: string, d: string, spark: string, age: string) =>
    `${clip(name, nameWidth).padEnd(nameWidth)} ${c.padStart(6)} ${m.padStart(6)} ${d.padStart(6)} ${sparkWidth ? spark.padEnd(sparkWidth) : ''} ${age.padStart(4)}`;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={layout.bottomHeight}
      borderStyle="round"
      borderColor="gray"
      paddingX={1}
      overflowY="hidden"
    >
      <Text bold wrap="truncate">
        {row('pods', 'CPU', 'MEM', 'Δ MEM', sparkWidth ? 'memory' : '', 'age')}
      </Text>
      {snapshot.podsNote && !pods.length ? (
        <Text color="yellow" wrap="truncate">
          {snapshot.podsNote}
        </Text>
      ) : null}
      {pods.map((pod) => {
        const delta = growth(pod);
        const d = delta === null ? '—' : `${delta >= 0 ? '+' : ''}${(delta / MiB).toFixed(0)}Mi`;
        return (
          <Text key={pod.name} wrap="truncate" color={delta !== null && delta > 50 * MiB ? 'yellow' : undefined}>
            {row(
              pod.name,
              cpu(pod.cpuMillicores),
              mib(pod.memoryBytes),
              d,
              sparkline(pod.memoryHistory, sparkWidth),
              `${Math.round((snapshot.now - pod.sampledAt) / 1000)}s`,
            )}
          </Text>
        );
      })}
    </Box>
  );
}
