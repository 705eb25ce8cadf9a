// `history`: the recorded runs under a folder (loadrun-reports/ by default, sweep folders included),
// newest first, a line each, and per mode a throughput sparkline over the runs of the same parameters.
import { existsSync, statSync } from 'node:fs';
import { usageError } from '../errors.js';
import { modesOf } from './compare.js';
import { loadDigest, runFolders, type RunDigest } from './load.js';

export interface HistoryRecord {
  started_at: string;
  folder: string;
  target: string;
  faults: string[];
  parameters: Record<string, unknown>;
  exit_code: number;
  modes: Array<{ mode: string; verdict: string; missing: number | null; rows_per_second: number }>;
}

export function historyRecords(root: string): HistoryRecord[] {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw usageError(`${root} is not a folder`, 'run from the folder that holds loadrun-reports/, or give the folder');
  const runs: RunDigest[] = [];
  for (const dir of runFolders(root)) {
    try {
      runs.push(loadDigest(dir));
    } catch {
      /* an unreadable or foreign summary is left out of the history */
    }
  }
  return runs
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
    .map((r) => ({
      started_at: r.startedAt,
      folder: r.dir,
      target: r.target,
      faults: r.faults,
      parameters: r.params,
      exit_code: r.exitCode,
      modes: r.modes.map((m) => ({
        mode: m.mode,
        verdict: m.verdict,
        missing: m.missing,
        rows_per_second: Math.round(m.rowsPerSecond * 10) / 10,
      })),
    }));
}

const BARS = '▁▂▃▄▅▆▇█';
export function sparkline(values: number[]): string {
  const max = Math.max(...values, 0);
  return values.map((v) => BARS[max > 0 ? Math.min(7, Math.floor((v / max) * 7.999)) : 0]).join('');
}

const paramsText = (p: Record<string, unknown>) =>
  `rows ${p.seedRows ?? '?'} × ${p.payloadKb ?? '?'} KB, batch ${p.batchSize ?? '?'} × ${p.maxBatches ?? '?'}`;
/** What must be the same for runs' throughput to be comparable: target and dialect, faults, parameters. */
const settingText = (r: HistoryRecord) =>
  `${paramsText(r.parameters)} on ${r.target}${r.faults?.length ? ` with ${r.faults.join(', ')} (emulated)` : ''}`;

export function historyLines(records: HistoryRecord[], root: string): string[] {
  if (!records.length) return [`no recorded runs under ${root}`];
  const out = records.map((r) => {
    const modes = r.modes
      .map(
        (m) =>
          `${m.mode} ${m.verdict.toUpperCase()}${m.missing ? ` (${m.missing} missing)` : ''} ${m.rows_per_second} rows/s`,
      )
      .join('; ');
    const faults = r.faults?.length ? `  faults ${r.faults.join(',')}` : '';
    return `${r.started_at.slice(0, 19).replace('T', ' ')}  ${r.target}${faults}  ${paramsText(r.parameters)}  ${modes}  ${r.folder}`;
  });
  // Throughput over the runs of the same setting (target, dialect, faults, parameters), oldest first.
  const groups = new Map<string, HistoryRecord[]>();
  for (const r of [...records].reverse()) groups.set(settingText(r), [...(groups.get(settingText(r)) ?? []), r]);
  for (const [params, rs] of groups) {
    if (rs.length < 2) continue;
    out.push('', `rows/s over ${rs.length} runs of ${params} (oldest first):`);
    for (const mode of modesOf(rs)) {
      const v = rs.map((r) => r.modes.find((m) => m.mode === mode)?.rows_per_second ?? 0);
      out.push(`  ${mode.padEnd(16)} ${sparkline(v)}  ${v.join(' ')}`);
    }
  }
  return out;
}
