// The headless renderer: a progress line per mode at most every 2 s, phase changes and warnings, then
// the summary table and the diff; or, with --json, every store record as NDJSON on stdout.
import type { RunOutcome, SnapshotSource } from '../model.js';
import { redact } from '../redact.js';
import { safeJson } from './reports.js';
import { finalText, progressLine } from './text.js';

export interface Headless {
  stop(): void;
  /** The summary and diff; `quiet` (nothing was launched and the run failed) prints nothing at all. */
  final(outcome: RunOutcome, quiet?: boolean): void;
}

/** --json: every store record as NDJSON, then one summary record. */
function startJson(store: SnapshotSource, write: (s: string) => void): Headless {
  store.addSink((rec) => write(safeJson(rec) + '\n'));
  return {
    stop() {},
    final(outcome) {
      const snap = store.snapshot();
      const modes = snap.modes.map((m) => ({
        mode: m.mode,
        execution_id: m.executionId,
        verdict: m.verdict,
        stored_rows: m.stats?.storedRows ?? 0,
        expected_rows: m.expected,
        missing: m.diff?.missingCount ?? null,
        missing_ranges: m.diff?.missing ?? null,
      }));
      write(
        safeJson({
          ts: new Date().toISOString(),
          kind: 'summary',
          exit_code: outcome.exitCode,
          outcome: outcome.reason,
          modes,
          cross_mode: snap.cross,
          report_dir: snap.reportDir,
        }) + '\n',
      );
    },
  };
}

/**
 * Lines held until something is launched (or for `maxMs` at most, so a slow preflight still shows
 * progress): a run that fails early says so in one line on stderr (the caller's job) instead of a page
 * of phases and an empty table.
 */
function heldWriter(write: (s: string) => void, maxMs: number) {
  let held: string[] | null = [];
  const until = Date.now() + maxMs;
  return {
    out: (line: string) => (held ? held.push(line) : write(line)),
    /** Writes what was held; `force` false releases only once the time is up. */
    release(force = true) {
      if (!held || (!force && Date.now() <= until)) return;
      const lines = held;
      held = null;
      for (const l of lines) write(l);
    },
    holding: () => held !== null,
  };
}

export function startHeadless(
  store: SnapshotSource,
  o: { json: boolean; write?: (s: string) => void; intervalMs?: number },
): Headless {
  const write = o.write ?? ((s: string) => process.stdout.write(s));
  if (o.json) return startJson(store, write);
  let lastPhases = '';
  let seenLogs = 0;
  const { out, release, holding } = heldWriter(write, 5000);
  const print = () => {
    const snap = store.snapshot();
    for (const m of snap.modes)
      if (m.verdict !== 'pending' && m.verdict !== 'not-launched')
        out(progressLine(m, snap.now, snap.startedAt, snap.target) + '\n');
    if (snap.degraded) out(`  ! ${snap.degraded}\n`);
  };
  let dirty = false;
  const unsub = store.subscribe(() => {
    dirty = true;
  });
  const follow = () => {
    if (holding()) release(false);
    if (!dirty) return;
    dirty = false;
    const snap = store.snapshot();
    const phases = snap.phases
      .filter((p) => p.state !== 'pending')
      .map((p) => `${p.name}:${p.state}`)
      .join(' ');
    if (phases !== lastPhases) {
      const changed = snap.phases.filter((p) => p.state !== 'pending' && !lastPhases.includes(`${p.name}:${p.state}`));
      for (const p of changed) out(`phase ${p.name}: ${p.state}${p.detail ? ` (${p.detail})` : ''}\n`);
      lastPhases = phases;
    }
    if (snap.modes.some((m) => m.executionId)) release(); // something runs: a launch the server refused stays quiet
    for (const l of snap.logs) {
      if (l.seq <= seenLogs) continue;
      seenLogs = l.seq;
      if (l.level !== 'info' || l.source === 'loadrun' || l.source === 'preflight')
        out(`${l.level === 'info' ? '' : `${l.level}: `}[${l.source}] ${redact(l.text)}\n`);
    }
  };
  const follower = setInterval(follow, 100);
  const timer = setInterval(print, o.intervalMs ?? 2000);
  const end = () => {
    clearInterval(timer);
    clearInterval(follower);
    unsub();
    follow();
  };
  return {
    stop: end,
    final(outcome, quiet = false) {
      end();
      if (quiet) return;
      release();
      write(redact(finalText(store.snapshot(), outcome)) + '\n');
    },
  };
}
