import { describe, expect, it } from 'vitest';
import { StallDetector } from '../src/run/stall.js';

describe('StallDetector', () => {
  it("does not count the engine's time at a full core as idle, up to ten stall windows", () => {
    const d = new StallDetector(30, 0);
    d.observe(10, 100, 0);
    for (let t = 0; t <= 60_000; t += 2000) d.busy(true, t); // the server at a full core for a minute
    d.busy(false, 62_000);
    expect(d.busySeconds).toBe(60);
    expect(d.stalled(80_000)).toBe(false); // 80 s idle, 60 of them busy
    expect(d.stalled(90_000)).toBe(true);
    d.observe(11, 100, 91_000); // progress: the busy time counts from here again
    expect(d.busySeconds).toBe(0);
    const spin = new StallDetector(10, 0);
    spin.observe(1, 1, 0);
    for (let t = 0; t <= 200_000; t += 2000) spin.busy(true, t); // spinning for ever still stalls
    expect(spin.busySeconds).toBe(100);
    expect(spin.stalled(110_000)).toBe(true);
  });

  it('flags a stall only after stallSeconds without progress', () => {
    const t0 = 1_000_000;
    const d = new StallDetector(30, t0);
    d.observe(10, 100, t0);
    expect(d.stalled(t0 + 29_000)).toBe(false);
    expect(d.observe(10, 100, t0 + 29_999)).toBeCloseTo(29.999);
    expect(d.stalled(t0 + 30_000)).toBe(true);
    expect(d.kind(t0 + 30_000)).toBe('silent');
  });

  it('counts progress, not events: events flowing without progress are a churning stall', () => {
    const t0 = 0;
    const d = new StallDetector(10, t0);
    d.observe(5, 50, t0);
    d.observe(6, 50, t0 + 9_000); // progress: a row or a first completion
    expect(d.stalled(t0 + 18_000)).toBe(false);
    for (let t = 10_000; t <= 19_000; t += 1000) d.observe(6, 50 + t / 100, t0 + t); // events only
    expect(d.stalled(t0 + 19_000)).toBe(true);
    expect(d.kind(t0 + 19_000)).toBe('churning');
    expect(d.eventsSinceProgress).toBe(190);
    expect(d.since).toBe(t0 + 9_000);
  });

  it('calls a stall silent when events stopped soon after the last progress (the tail of in-flight work)', () => {
    const d = new StallDetector(10, 0);
    d.observe(5, 50, 0);
    d.observe(5, 60, 1_000); // the last in-flight iterations report, then nothing
    d.observe(5, 60, 10_000);
    expect(d.stalled(10_000)).toBe(true);
    expect(d.kind(10_000)).toBe('silent');
  });

  it('does not call slow, steady progress a stall', () => {
    const d = new StallDetector(5, 0);
    for (let i = 0; i < 8; i++) d.observe(i, i * 10, i * 8_000); // progress every 8 s
    expect(d.thresholdSeconds()).toBe(24);
    expect(d.stalled(56_000 + 20_000)).toBe(false);
    expect(d.stalled(56_000 + 24_000)).toBe(true);
  });

  it('counts from construction when nothing ever arrives', () => {
    const d = new StallDetector(5, 100);
    expect(d.stalled(5099)).toBe(false);
    expect(d.stalled(5100)).toBe(true);
  });
});
