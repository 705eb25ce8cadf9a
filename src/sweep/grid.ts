// The sweep's grid: comma lists of run parameters and of the values that live in the playbooks, crossed
// into cells. A cell is one setting; each of its repeats is an ordinary run.
import { createHash } from 'node:crypto';
import { positiveInt } from '../config.js';
import { usageError } from '../errors.js';
import type { RunParams } from '../model.js';

/** The swept settings: the four run parameters and the two loop widths written into playbook variants. */
export const AXES = [
  { key: 'seedRows', flag: '--seed-rows', label: 'seed_rows', max: 1_000_000 },
  { key: 'payloadKb', flag: '--payload-kb', label: 'payload_kb', max: 10 * 1024 },
  { key: 'batchSize', flag: '--batch-size', label: 'batch_size', max: 100_000 },
  { key: 'maxBatches', flag: '--max-batches', label: 'max_batches', max: 10_000 },
  { key: 'chunkParallelism', flag: '--chunk-parallelism', label: 'chunk_parallelism', max: 1000 },
  { key: 'workerMaxInFlight', flag: '--worker-max-in-flight', label: 'worker_max_in_flight', max: 1000 },
] as const;

export type AxisKey = (typeof AXES)[number]['key'];

/** The loop widths a cell writes into its playbook variants (null: the playbook's own value). */
export interface LoopWidths {
  chunkParallelism: number | null;
  workerMaxInFlight: number | null;
}

export interface Cell extends LoopWidths {
  /** Stable across a resume: the position in the grid and the setting it stands for. */
  id: string;
  params: RunParams;
  /** The swept values of this cell only, by label (batch_size=20 …). */
  swept: Record<string, number>;
}

/** A comma list of whole numbers, de-duplicated in the given order. */
export function parseList(raw: string, flag: string, max: number): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((p) => p === ''))
    throw usageError(`${flag}: empty value in ${JSON.stringify(raw)}`, 'give a comma list such as 20,40');
  return [...new Set(parts.map((p) => positiveInt(p, flag, { max })))];
}

/** The lists given for each axis (axes not given keep the base value). */
export function parseAxes(o: Partial<Record<AxisKey, string>>): Partial<Record<AxisKey, number[]>> {
  const out: Partial<Record<AxisKey, number[]>> = {};
  for (const a of AXES) if (o[a.key] !== undefined) out[a.key] = parseList(String(o[a.key]), a.flag, a.max);
  return out;
}

function label(key: AxisKey): string {
  return AXES.find((a) => a.key === key)!.label;
}

/** Every combination of the given lists, in the order the axes are listed (the last one varies fastest). */
export function buildGrid(base: RunParams, axes: Partial<Record<AxisKey, number[]>>): Cell[] {
  let combos: Array<Partial<Record<AxisKey, number>>> = [{}];
  for (const a of AXES) {
    const values = axes[a.key];
    if (!values) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [a.key]: v })));
  }
  return combos.map((c, i) => {
    // Only what varies names a cell; single values are the cell's parameters like any run's.
    const swept = Object.fromEntries(
      Object.entries(c)
        .filter(([k]) => (axes[k as AxisKey]?.length ?? 0) > 1)
        .map(([k, v]) => [label(k as AxisKey), v as number]),
    );
    const params: RunParams = {
      seedRows: c.seedRows ?? base.seedRows,
      payloadKb: c.payloadKb ?? base.payloadKb,
      batchSize: c.batchSize ?? base.batchSize,
      maxBatches: c.maxBatches ?? base.maxBatches,
    };
    const widths: LoopWidths = {
      chunkParallelism: c.chunkParallelism ?? null,
      workerMaxInFlight: c.workerMaxInFlight ?? null,
    };
    const digest = createHash('sha256').update(JSON.stringify({ params, widths })).digest('hex').slice(0, 6);
    return { id: `cell-${String(i + 1).padStart(2, '0')}-${digest}`, params, swept, ...widths };
  });
}

/** `batch_size=20 worker_max_in_flight=5`, or `(one setting)` for a grid of one cell. */
export function cellLabel(cell: Pick<Cell, 'swept'>): string {
  const parts = Object.entries(cell.swept).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : '(one setting)';
}
