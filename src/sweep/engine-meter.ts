// The engine's CPU a sweep's run cost, read at the run's edges: the CPU-seconds its server and workers had
// used (from /proc, each process with its descendants) just before the run was launched, and again once the
// engine had settled after it (its CPU back near its idle rate: the server and the workers may still be
// redacting the last results when the run's end event is read), less what the engine burns idle over the
// same span (measured once, before the first run). Pods sampled every 2 s lose the span before a run's first
// sample and the work after its last; at a few items a cell that hid the payload's growth under a "fixed"
// part of about a CPU-second an item.
import { sleep } from '../run/sleep.js';
import type { PodsSource } from '../sources/pods.js';

const ENGINE_ROLES = ['server', 'worker'];

export interface MeterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: MeterClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export interface EngineMeterOptions {
  /** How long the idle rate is read over before the first run. */
  idleMs: number;
  /** The window the settling test reads the CPU over. */
  windowMs: number;
  /** Settled: at most this many millicores above the idle rate over one window. */
  marginMillicores: number;
  /** The longest a run's end waits for the engine to settle. */
  maxSettleMs: number;
}

export const METER_DEFAULTS: EngineMeterOptions = {
  idleMs: 4000,
  windowMs: 2000,
  marginMillicores: 60,
  maxSettleMs: 90_000,
};

export interface RunCpu {
  /** CPU-seconds above the idle rate between the run's launch and the engine settling. */
  cpuSeconds: number;
  /** Whether the engine settled within maxSettleMs (else the figure leaves out what it was still doing). */
  settled: boolean;
  /** Seconds from the run's end to the engine settling. */
  settleSeconds: number;
}

export class EngineMeter {
  /** The engine's idle CPU in CPU-seconds per second, once read. */
  idleRate: number | null = null;

  constructor(
    private readonly source: Required<Pick<PodsSource, 'cpuSecondsSoFar'>>,
    private readonly o: EngineMeterOptions = METER_DEFAULTS,
    private readonly clock: MeterClock = realClock,
  ) {}

  private read(): Promise<number | null> {
    return this.source.cpuSecondsSoFar(ENGINE_ROLES);
  }

  /** Reads the idle rate (the engine open, nothing launched). False where the CPU cannot be read. */
  async calibrate(): Promise<boolean> {
    const a = await this.read();
    const t0 = this.clock.now();
    await this.clock.sleep(this.o.idleMs);
    const b = await this.read();
    if (a === null || b === null) return false;
    this.idleRate = Math.max(0, (b - a) / ((this.clock.now() - t0) / 1000));
    return true;
  }

  /** The reading a run starts from (just before its launch). */
  async mark(): Promise<{ cpu: number; at: number } | null> {
    if (this.idleRate === null) return null;
    const cpu = await this.read();
    return cpu === null ? null : { cpu, at: this.clock.now() };
  }

  /** After the run's end: waits for the engine to settle, then its CPU since `from`, above the idle rate. */
  async since(from: { cpu: number; at: number }): Promise<RunCpu | null> {
    const idle = this.idleRate ?? 0;
    const ended = this.clock.now();
    let prev = await this.read();
    let settled = false;
    while (prev !== null && this.clock.now() - ended < this.o.maxSettleMs) {
      const t = this.clock.now();
      await this.clock.sleep(this.o.windowMs);
      const next = await this.read();
      if (next === null) return null;
      const millicores = ((next - prev) / ((this.clock.now() - t) / 1000)) * 1000;
      prev = next;
      if (millicores <= idle * 1000 + this.o.marginMillicores) {
        settled = true;
        break;
      }
    }
    if (prev === null) return null;
    const span = (this.clock.now() - from.at) / 1000;
    return {
      cpuSeconds: Math.max(0, prev - from.cpu - idle * span),
      settled,
      settleSeconds: Math.round((this.clock.now() - ended) / 100) / 10,
    };
  }
}
