// The one builder of a mode's missing-items diff, used by the run's finalize and by the `diff` command:
// counts and missing ranges come from SQL (the rows source), the per-window split and the cross-mode
// comparison from the range maths.
import type { Mode, ModeDiff, ModeStats, RunParams } from '../model.js';
import { crossMode, missingPerWindow, rangeCount } from './missing-items.js';
import type { RowsSource } from '../sources/rows.js';

export async function buildModeDiff(
  rows: RowsSource,
  mode: Mode,
  executionId: string,
  expected: number,
  params: RunParams,
): Promise<{ diff: ModeDiff; stats: ModeStats }> {
  const stats = await rows.stats(executionId);
  // Ids are unique (the table's primary key), so expected rows from 1 to expected are every item: the
  // common end of a run needs no read of the gaps (at 20,000 items the longest of the final reads).
  const complete =
    stats.storedRows === expected && (expected === 0 || (stats.minItemId === 1 && stats.maxItemId === expected));
  const missing = complete ? [] : await rows.missingRanges(executionId, expected);
  const diff: ModeDiff = {
    mode,
    executionId,
    expected,
    stored: stats.storedRows,
    missingCount: rangeCount(missing),
    missing,
    windows: missingPerWindow(missing, params),
  };
  return { diff, stats };
}

/** The cross-mode comparison of a set of diffs, when it holds one of each mode. */
export function crossOf(diffs: ModeDiff[]) {
  const direct = diffs.find((d) => d.mode === 'direct_stress');
  const chunked = diffs.find((d) => d.mode === 'chunked_optimal');
  return crossMode(direct, chunked) ?? null;
}
