// report.html's series from the run's records (src/render/series.ts).
import { describe, expect, it } from 'vitest';
import { SeriesRecorder } from '../src/render/series.js';

describe('the rows/s series', () => {
  it('is the rate over each poll interval: it drops to 0 at the first poll without a row, and stops at the end', () => {
    const rec = new SeriesRecorder();
    const t0 = Date.parse('2026-12-06T12:00:00Z');
    const rows = (s: number, stored: number, perSecond: number) =>
      rec.add({ kind: 'rows', mode: 'direct_stress', storedRows: stored, rows_per_second: perSecond }, t0 + s * 1000);
    // The screen's 5 s moving rate declines after the last row (12, 9, 6, 3); the chart must not.
    [0, 10, 20, 30, 30, 30, 30].forEach((stored, s) => rows(s, stored, [0, 10, 10, 10, 7.5, 6, 3][s]));
    rec.add({ kind: 'verdict', mode: 'direct_stress', verdict: 'completed' }, t0 + 6500);
    rows(7, 31, 2); // finalize's last count, after the end
    const r = rec.result().rate.direct_stress;
    expect(r.v).toEqual([0, 10, 10, 10, 0, 0, 0]);
    expect(rec.result().stored.direct_stress.v.at(-1)).toBe(31);
  });
});
