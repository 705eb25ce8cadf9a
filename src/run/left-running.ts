// Executions a run left running on the engine: on Rust the commands a run issued still run after it failed
// or was cancelled (engine-dialects.ts commandsRunAfterEnd), so their load shares the engine with the next
// run. Each run that leaves some notes them in the cache folder (per server URL); the next run against that
// server asks the engine whether they still write command events, says so in a preflight check, and forgets
// the ones that are quiet or over an hour old.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../local-noetl/venv.js';
import type { Check, ModeView } from '../model.js';
import type { RowsSource } from '../sources/rows.js';

interface Left {
  server: string;
  executionId: string;
  mode: string;
  state: string;
  endedAt: number;
}

const FILE = () => path.join(cacheRoot(), 'left-running.json');
const HOUR_MS = 3_600_000;
/** "Still running": a command event within this many seconds. */
const RECENT_S = 30;

function read(): Left[] {
  try {
    const v = JSON.parse(readFileSync(FILE(), 'utf8')) as unknown;
    return Array.isArray(v) ? (v as Left[]) : [];
  } catch {
    return [];
  }
}

function write(list: Left[]): void {
  mkdirSync(cacheRoot(), { recursive: true });
  const tmp = `${FILE()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(list), { mode: 0o600 });
  renameSync(tmp, FILE());
}

/** After a run: its modes that ended while their commands still ran, unless their rows were seen to settle. */
export function noteLeftRunning(server: string, modes: ModeView[], now: number): void {
  const left = modes.filter(
    (m) =>
      m.executionId && m.afterEnd && m.afterEnd.openCommands > 0 && (!m.afterEnd.diffWaited || !m.afterEnd.settledAt),
  );
  if (!left.length) return;
  const kept = read().filter((l) => now - l.endedAt < HOUR_MS);
  for (const m of left)
    kept.push({ server, executionId: m.executionId!, mode: m.mode, state: m.afterEnd!.state, endedAt: m.afterEnd!.at });
  write(kept);
}

/** Before a run: a check naming the earlier runs' executions on this server that still write command events. */
export async function checkLeftRunning(
  server: string,
  rows: Pick<RowsSource, 'recentCommands' | 'system'>,
  now: number,
): Promise<Check | undefined> {
  const all = read().filter((l) => now - l.endedAt < HOUR_MS);
  const mine = all.filter((l) => l.server === server);
  if (!mine.length || !rows.system) return undefined;
  const recent = await rows.recentCommands(
    mine.map((l) => l.executionId),
    RECENT_S,
  );
  const busy = mine.filter((l) => (recent.get(l.executionId) ?? 0) > 0);
  write(all.filter((l) => l.server !== server || busy.includes(l)));
  if (!busy.length) return undefined;
  const what = busy
    .map(
      (l) =>
        `${l.executionId} (${l.mode}, ${l.state} ${Math.round((now - l.endedAt) / 1000)}s ago): ${recent.get(l.executionId)} command event(s) in the last ${RECENT_S}s`,
    )
    .join('; ');
  return {
    name: 'earlier runs still running',
    verdict: 'warn',
    detail: `the engine still runs commands of an earlier run's executions: ${what}`,
    hint: 'they share the engine with this run until they end (Rust runs what a run issued on after it failed or was cancelled)',
  };
}
