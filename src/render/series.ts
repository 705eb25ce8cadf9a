// Time series for report.html, taken from the store's records as they happen (or read back from
// events.ndjson): stored rows and rows/s per mode, events per second per mode, memory and CPU per pod.
// Bounded: a series over its cap keeps every other point, so a long run keeps its shape in fixed memory.

const CAP = 2000;

export interface Series {
  /** Seconds since the first record. */
  t: number[];
  v: number[];
}

export interface RunSeries {
  startedAt: number | null;
  stored: Record<string, Series>;
  rate: Record<string, Series>;
  events: Record<string, Series>;
  memoryMiB: Record<string, Series>;
  cpuMillicores: Record<string, Series>;
  stallAt: Record<string, number>;
  /** Each stall episode's start and end per mode, as chart marks (seconds from the start, a label). */
  stallMarks: Record<string, Array<{ t: number; label: string }>>;
}

function push(map: Record<string, Series>, key: string, t: number, v: number): void {
  const s = (map[key] ??= { t: [], v: [] });
  s.t.push(t);
  s.v.push(v);
  if (s.t.length > CAP) {
    s.t = s.t.filter((_, i) => i % 2 === 0);
    s.v = s.v.filter((_, i) => i % 2 === 0);
  }
}

export class SeriesRecorder {
  readonly data: RunSeries = {
    startedAt: null,
    stored: {},
    rate: {},
    events: {},
    memoryMiB: {},
    cpuMillicores: {},
    stallAt: {},
    stallMarks: {},
  };
  private readonly eventBuckets = new Map<string, Map<number, number>>();
  /** Per mode: the last stored count and its time (the rate is over each poll's interval), and whether it ended. */
  private readonly lastRows = new Map<string, { t: number; stored: number }>();
  private readonly ended = new Set<string>();
  /** The last record's time: events/s runs to it, zero after a mode's last event (a silent stall shows). */
  private lastT = 0;

  /** Takes one store record (the same objects events.ndjson holds); `at`: its time, when known. */
  add(record: object, at = Date.parse(String((record as { ts?: unknown }).ts))): void {
    const rec = record as Record<string, unknown>;
    if (!Number.isFinite(at)) return;
    this.data.startedAt ??= at;
    const t = Math.round((at - this.data.startedAt) / 100) / 10;
    this.lastT = Math.max(this.lastT, t);
    const mode = String(rec.mode ?? '');
    switch (rec.kind) {
      case 'rows': {
        const stored = Number(rec.storedRows ?? 0);
        push(this.data.stored, mode, t, stored);
        // Rows per second over each interval between polls, not the screen's 5 s moving rate: that one
        // declined for five seconds after the last row (issue #39 item 16); nothing after the mode's end.
        const last = this.lastRows.get(mode);
        if (!this.ended.has(mode) && (!last || t > last.t))
          push(this.data.rate, mode, t, last ? Math.round(((stored - last.stored) / (t - last.t)) * 10) / 10 : 0);
        if (!last || t > last.t) this.lastRows.set(mode, { t, stored });
        break;
      }
      case 'verdict':
        if (rec.verdict !== 'running' && rec.verdict !== 'pending') this.ended.add(mode);
        break;
      case 'event': {
        const b = this.eventBuckets.get(mode) ?? new Map<number, number>();
        this.eventBuckets.set(mode, b);
        b.set(Math.floor(t), (b.get(Math.floor(t)) ?? 0) + 1);
        break;
      }
      case 'pod':
        if (rec.memoryBytes !== null && rec.memoryBytes !== undefined)
          push(this.data.memoryMiB, String(rec.name), t, Math.round(Number(rec.memoryBytes) / 1048576));
        if (rec.cpuMillicores !== null && rec.cpuMillicores !== undefined)
          push(this.data.cpuMillicores, String(rec.name), t, Number(rec.cpuMillicores));
        break;
      case 'stall':
        if (this.data.startedAt !== null) {
          const since = Math.round((Number(rec.since) - this.data.startedAt) / 100) / 10;
          this.data.stallAt[mode] = since;
          (this.data.stallMarks[mode] ??= []).push({ t: since, label: 'stall' });
        }
        break;
      case 'stall_end':
        (this.data.stallMarks[mode] ??= []).push({
          t,
          label: `stall ended${rec.cause ? ` (${String(rec.cause)})` : ''}`,
        });
        break;
    }
  }

  /**
   * The series; events per second as a rate over a moving 5 s window, from the mode's first event to the
   * run's last record (per-second counts of a 1 s poll are a saw-tooth of the sampling, not a rate).
   */
  result(): RunSeries {
    const events: Record<string, Series> = {};
    const WINDOW = 5;
    for (const [mode, b] of this.eventBuckets) {
      const secs = [...b.keys()];
      const s: Series = { t: [], v: [] };
      const first = Math.min(...secs);
      for (let x = first; x <= Math.max(...secs, Math.floor(this.lastT)); x++) {
        let n = 0;
        for (let y = Math.max(first, x - WINDOW + 1); y <= x; y++) n += b.get(y) ?? 0;
        s.t.push(x);
        s.v.push(Math.round((n / Math.min(WINDOW, x - first + 1)) * 10) / 10);
      }
      events[mode] = s;
    }
    return { ...this.data, events };
  }
}
