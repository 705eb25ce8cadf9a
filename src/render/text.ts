// Plain-text views of a snapshot, shared by the headless renderer and the TUI's exit print.
import {
  inFlightCommands,
  retriesObservable,
  retriesShown,
  type ModeView,
  type RunOutcome,
  type Snapshot,
} from '../model.js';
import {
  afterEndLines,
  BUDGET,
  crossLines,
  diagnosisLines,
  diffLabel,
  diffSection,
  duration,
  leftRunningLines,
  hollowRunLines,
  plain,
  stallLines,
  textTable,
  verdictLabel,
  episodeLines,
  SUMMARY_HEAD,
  summaryCells,
} from './lines.js';

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function progressLine(m: ModeView, now: number, startedAt: number, target: Snapshot['target']): string {
  const stored = m.stats?.storedRows ?? 0;
  const pct = m.expected ? Math.floor((100 * stored) / m.expected) : 0;
  const parts = [
    `[${secs(now - startedAt).padStart(6)}]`,
    m.mode.padEnd(15),
    verdictLabel(m).padEnd(9),
    (m.waiting ?? m.currentStep ?? '—').padEnd(26),
    `stored ${stored}/${m.expected} (${pct}%)`,
    `${m.rowsPerSecond.toFixed(1)} rows/s${m.verdict === 'running' && m.etaSeconds !== null ? ` ETA ${duration(m.etaSeconds)}` : ''}`,
    `events ${m.eventCount}`,
    `in-flight ${inFlightCommands(m)}`,
    `retries ${retriesShown(m, target)}`,
    `failures ${m.failures}`,
  ];
  return parts.join('  ');
}

export function summaryTable(snap: Snapshot): string[] {
  return [
    ...textTable(
      SUMMARY_HEAD,
      snap.modes.map((m) => summaryCells(m, snap.now, snap.target)),
    ),
    ...(snap.modes.some((m) => !retriesObservable(m, snap.target)) ? [`retries n/a: ${snap.target.retriesNote}`] : []),
    ...unattributedNote(snap.modes),
  ];
}

/** Retry lines that named no mode while several ran: why a mode's count reads `?` or `≥n`. */
function unattributedNote(modes: ModeView[]): string[] {
  const n = Math.max(0, ...modes.map((m) => m.retriesUnattributed));
  return n
    ? [
        `retries ?: ${n} retry line(s) named no mode while the modes ran side by side (the Python worker's retry line names the task, not the step): the count per mode is unknown`,
      ]
    : [];
}

/** "Missing items:" and the diff section, as the headless summary and the `diff` command print it. */
export function diffText(modes: Array<{ label: string; diff: ModeView['diff'] }>, cross: Snapshot['cross']): string[] {
  return [
    'Missing items:',
    ...plain(diffSection(modes, null, BUDGET.text), '  ', '  '),
    ...plain(crossLines(cross, BUDGET.text)),
  ];
}

export function finalText(snap: Snapshot, outcome: RunOutcome): string {
  const lines = ['', ...summaryTable(snap), ''];
  for (const m of snap.modes) if (m.stall) lines.push(...plain(stallLines(m.mode, m.stall)));
  for (const m of snap.modes) lines.push(...plain(episodeLines(m.mode, m.stalls, m.startedAt, snap.now)));
  for (const m of snap.modes) lines.push(...plain(afterEndLines(m.mode, m.afterEnd, m.startedAt)));
  for (const m of snap.modes) lines.push(...plain(diagnosisLines(m.mode, m.diagnosis)));
  lines.push(...plain(hollowRunLines(snap.modes, snap.target.dialect, snap.target.playbookWarnings)));
  for (const m of snap.modes) if (m.error) lines.push(`${m.mode}: ${m.error}`);
  lines.push(
    ...diffText(
      snap.modes.map((m) => ({ label: diffLabel(m), diff: m.diff })),
      snap.cross,
    ),
    ...plain(leftRunningLines(snap.modes, snap.target)),
    '',
  );
  if (snap.reportDir) lines.push(`Report: ${snap.reportDir}`);
  lines.push(`Result: exit ${outcome.exitCode} — ${outcome.reason}`);
  return lines.join('\n');
}
