// What observing costs the tool itself, measured while it runs (issue 17's scale figures, and anyone's
// answer to "is the tool slowing my laptop?"): each poll round's duration (the first rounds against the
// last ones), its own RSS and JS heap in use (garbage not yet collected included) from the start of observation
// to the end, the final diff's duration and, under the TUI, Ink's time per drawn frame. Written into summary.json's `observer` section.

import type { PatchState } from '../model.js';
import { Ring } from './ring.js';

const EDGE = 10;
/** Frame times are counted in 0.1 ms steps up to 100 ms (the last step holds every longer frame). */
const FRAME_STEP_MS = 0.1;
const FRAME_STEPS = 1000;

const median = (xs: number[]): number | null =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null;
const round = (n: number | null, digits = 1): number | null =>
  n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / 104857.6) / 10);

export class SelfCost {
  private readonly firstPolls: number[] = [];
  private readonly lastPolls = new Ring<number>(EDGE);
  private rssStart: number | null = null;
  private rssEnd: number | null = null;
  private rssMax = 0;
  private heapStart: number | null = null;
  private heapEnd: number | null = null;
  private diffMs: number | null = null;
  private frames = 0;
  private frameTotalMs = 0;
  private frameMaxMs = 0;
  private readonly frameSteps = new Uint32Array(FRAME_STEPS);
  private quietMs = 0;
  private quietApi = 0;
  private quietSql = 0;
  private statusReadCount = 0;
  private statusReadMs = 0;
  /** The TUI's patches of its dependencies (null headless: they are never loaded). */
  patches: PatchState[] | null = null;

  /** The poll plan's /status reads of one observation and their wall time (poll-plan.ts). */
  statusReads(n: number, ms: number): void {
    this.statusReadCount += n;
    this.statusReadMs += ms;
  }

  notePatches(states: PatchState[]): void {
    this.patches = states;
  }

  /**
   * One poll round of every open mode took `ms`; the tool's RSS is sampled with it. A round that saw
   * nothing move adds its span (the round and the wait after it) and its calls, per open mode, to the
   * quiet figures.
   */
  poll(ms: number, round?: { moved: boolean; modes: number; spanMs: number; api: number; sql: number }): void {
    if (round && !round.moved && round.modes > 0) {
      this.quietMs += round.spanMs;
      this.quietApi += round.api / round.modes;
      this.quietSql += round.sql / round.modes;
    }
    if (this.firstPolls.length < EDGE) this.firstPolls.push(ms);
    this.lastPolls.push(ms);
    const { rss, heapUsed } = process.memoryUsage();
    this.heapStart ??= heapUsed;
    this.heapEnd = heapUsed;
    this.rssStart ??= rss;
    this.rssEnd = rss;
    this.rssMax = Math.max(this.rssMax, rss);
  }

  /** The final counts and diffs of every mode took `ms`. */
  diff(ms: number): void {
    this.diffMs = ms;
  }

  /** Ink drew a frame in `ms` (its own render metric: layout to output string). */
  frame(ms: number): void {
    this.frames++;
    this.frameTotalMs += ms;
    this.frameMaxMs = Math.max(this.frameMaxMs, ms);
    this.frameSteps[Math.min(FRAME_STEPS - 1, Math.floor(ms / FRAME_STEP_MS))]++;
  }

  /**
   * The median frame: Ink's render time is wall time, so on a machine whose cores a busy sandbox fills, a
   * frame preempted midway counts its wait too; the mean carries those, the median is the typical frame.
   */
  private frameMedianMs(): number | null {
    let seen = 0;
    for (let i = 0; i < FRAME_STEPS; i++) {
      seen += this.frameSteps[i];
      if (seen * 2 >= this.frames) return (i + 0.5) * FRAME_STEP_MS;
    }
    return null;
  }

  figures(): Record<string, number | null> {
    return {
      polls: this.lastPolls.total,
      poll_ms_first: round(median(this.firstPolls)),
      poll_ms_last: round(median(this.lastPolls.toArray())),
      rss_mb_start: mb(this.rssStart),
      rss_mb_end: mb(this.rssEnd),
      rss_mb_max: mb(this.rssMax || null),
      heap_mb_start: mb(this.heapStart),
      heap_mb_end: mb(this.heapEnd),
      diff_ms: round(this.diffMs),
      frames: this.frames,
      frame_ms: this.frames ? round(this.frameTotalMs / this.frames, 2) : null,
      frame_ms_max: this.frames ? round(this.frameMaxMs) : null,
      frame_ms_median: this.frames ? round(this.frameMedianMs(), 2) : null,
      quiet_seconds: round(this.quietMs / 1000),
      quiet_api_calls_per_second_per_mode: this.quietMs ? round(this.quietApi / (this.quietMs / 1000), 2) : null,
      quiet_sql_queries_per_second_per_mode: this.quietMs ? round(this.quietSql / (this.quietMs / 1000), 2) : null,
      status_reads: this.statusReadCount,
      status_read_ms: Math.round(this.statusReadMs),
    };
  }
}
