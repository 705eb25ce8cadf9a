// Plays a recorded run back into a store at its own pace (times --speed): pause, seek ±N seconds (back
// means a fresh store replayed up to the new moment), speed up or down, jump to the first stall. The
// TUI renders whatever store is current, as it renders a live run.
import type { RunStore } from './store.js';
import type { RunRecord } from '../model.js';
import { applyRecord, storeFor } from './replay.js';

export interface PlayerState {
  at: number; // seconds into the run
  total: number;
  speed: number;
  paused: boolean;
  done: boolean;
}

export class Player {
  store: RunStore;
  private next = 0;
  private at = 0;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly times: number[];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly records: RunRecord[],
    public speed = 1,
    private readonly fallback?: Parameters<typeof storeFor>[1],
  ) {
    this.t0 = Date.parse(String(records[0]?.ts));
    this.times = records.map((r) => (Date.parse(String(r.ts)) - this.t0) / 1000);
    this.store = this.freshStore();
  }

  /**
   * A store whose clock is the recording's, at the moment played back: rates, durations and the pods' age are
   * the run's own, whatever the speed.
   */
  private freshStore(): RunStore {
    return storeFor(this.records, this.fallback, () => this.t0 + this.at * 1000);
  }
  private readonly t0: number;

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  state(): PlayerState {
    return {
      at: this.at,
      total: this.times.at(-1) ?? 0,
      speed: this.speed,
      paused: this.paused,
      done: this.next >= this.records.length,
    };
  }

  /** Applies every record up to `t` seconds at once. */
  private applyUntil(t: number): void {
    while (this.next < this.records.length && this.times[this.next] <= t) {
      this.at = this.times[this.next];
      applyRecord(this.store, this.records[this.next++]);
    }
    this.at = Math.min(t, this.state().total);
    if (this.next >= this.records.length) this.store.finish();
  }

  private tick = (): void => {
    if (!this.paused) this.applyUntil(this.at + 0.1 * this.speed);
    for (const l of this.listeners) l();
    if (this.next < this.records.length) this.timer = setTimeout(this.tick, 100);
  };

  start(): void {
    this.timer ??= setTimeout(this.tick, 100);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  togglePause(): void {
    this.paused = !this.paused;
  }

  setSpeed(factor: number): void {
    this.speed = Math.min(64, Math.max(0.25, this.speed * factor));
  }

  /** Moves `delta` seconds; going back starts a fresh store and replays it to the new moment. */
  seek(delta: number): void {
    const target = Math.max(0, this.at + delta);
    if (target < this.at) {
      this.at = 0;
      this.store = this.freshStore();
      this.next = 0;
    }
    this.applyUntil(target);
    if (this.next < this.records.length && !this.timer) this.start();
    for (const l of this.listeners) l();
  }

  /** The moment of the first stall (its last progress), if the run had one. */
  stallAt(): number | undefined {
    const i = this.records.findIndex((r) => r.kind === 'stall');
    return i < 0 ? undefined : this.times[i];
  }
}
