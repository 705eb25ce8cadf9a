import { describe, expect, it } from 'vitest';
import { StallDetector } from '../src/run/stall.js';

describe('StallDetector', () => {
  it('flags a stall only after stallSeconds without new rows and without new events', () => {
    const t0 = 1_000_000;
    const d = new StallDetector(30, t0);
    d.observe(10, 100, t0);
    expect(d.stalled(t0 + 29_000)).toBe(false);
    expect(d.observe(10, 100, t0 + 29_999)).toBeCloseTo(29.999);
    expect(d.stalled(t0 + 30_000)).toBe(true);
  });
  it('resets on new rows alone, and on new events alone', () => {
    const t0 = 0;
    const d = new StallDetector(10, t0);
    d.observe(5, 50, t0);
    d.observe(6, 50, t0 + 9_000); // a row
    expect(d.stalled(t0 + 18_000)).toBe(false);
    d.observe(6, 51, t0 + 18_000); // an event
    expect(d.stalled(t0 + 27_000)).toBe(false);
    expect(d.stalled(t0 + 28_000)).toBe(true);
    expect(d.since).toBe(t0 + 18_000);
  });
  it('counts from construction when nothing ever arrives', () => {
    const d = new StallDetector(5, 100);
    expect(d.stalled(5099)).toBe(false);
    expect(d.stalled(5100)).toBe(true);
  });
});
