import { describe, expect, it } from 'vitest';
import {
  compressRanges,
  crossMode,
  expectedRows,
  formatRanges,
  intersect,
  missingPerWindow,
  rangeCount,
  subtract,
} from '../src/diff/missing-items.js';
import type { ModeDiff } from '../src/model.js';

describe('compressRanges', () => {
  it.each([
    [[], []],
    [[5], [[5, 5]]],
    [[1, 2, 3], [[1, 3]]],
    [[3, 1, 2, 2, 3], [[1, 3]]],
    [
      [1, 3, 5],
      [
        [1, 1],
        [3, 3],
        [5, 5],
      ],
    ],
    [
      [10, 11, 13, 14, 15, 20],
      [
        [10, 11],
        [13, 15],
        [20, 20],
      ],
    ],
    [[0, -1, -2], [[-2, 0]]],
    [[220], [[220, 220]]],
  ])('%j -> %j', (ids, ranges) => {
    expect(compressRanges(ids as number[])).toEqual(ranges);
  });

  it('round-trips through rangeCount on a large gap set', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => i * 2 + (i % 7 === 0 ? 1 : 0));
    const r = compressRanges(ids);
    expect(rangeCount(r)).toBe(new Set(ids).size);
  });
});

describe('range algebra', () => {
  it('intersects and subtracts', () => {
    expect(
      intersect(
        [
          [1, 10],
          [20, 30],
        ],
        [[5, 25]],
      ),
    ).toEqual([
      [5, 10],
      [20, 25],
    ]);
    expect(intersect([[1, 3]], [[4, 6]])).toEqual([]);
    expect(
      subtract(
        [[1, 10]],
        [
          [3, 4],
          [8, 12],
        ],
      ),
    ).toEqual([
      [1, 2],
      [5, 7],
    ]);
    expect(subtract([[1, 10]], [])).toEqual([[1, 10]]);
    expect(subtract([[1, 10]], [[1, 10]])).toEqual([]);
    expect(
      subtract(
        [[5, 5]],
        [
          [1, 4],
          [6, 9],
        ],
      ),
    ).toEqual([[5, 5]]);
  });

  it('formats ranges and truncates long lists', () => {
    expect(formatRanges([])).toBe('none');
    expect(
      formatRanges([
        [1, 1],
        [3, 9],
      ]),
    ).toBe('1, 3-9');
    expect(
      formatRanges(
        [
          [1, 1],
          [3, 3],
          [5, 5],
        ],
        2,
      ),
    ).toBe('1, 3, … (+1 more ranges)');
  });
});

describe('expected rows and windows', () => {
  const p = { seedRows: 220, payloadKb: 256, batchSize: 40, maxBatches: 6 };
  it('follows the fixture rule', () => {
    expect(expectedRows('direct_stress', p)).toBe(220);
    expect(expectedRows('chunked_optimal', p)).toBe(220);
    expect(expectedRows('chunked_optimal', { ...p, maxBatches: 4 })).toBe(160);
    expect(expectedRows('chunked_optimal', { ...p, seedRows: 120, batchSize: 30, maxBatches: 4 })).toBe(120);
  });
  it('splits missing ids per chunk window, last window short', () => {
    const w = missingPerWindow([[135, 220]], p);
    expect(w.map((x) => [x.batchNumber, x.from, x.to, x.missing])).toEqual([
      [1, 1, 40, 0],
      [2, 41, 80, 0],
      [3, 81, 120, 0],
      [4, 121, 160, 26],
      [5, 161, 200, 40],
      [6, 201, 220, 20],
    ]);
  });
  it('compares modes on the ids both were expected to store', () => {
    const d = (mode: 'direct_stress' | 'chunked_optimal', missing: [number, number][], expected = 220): ModeDiff => ({
      mode,
      executionId: '1',
      expected,
      stored: 0,
      missingCount: rangeCount(missing),
      missing,
      windows: [],
    });
    const c = crossMode(d('direct_stress', [[135, 220]]), d('chunked_optimal', [[200, 201]]))!;
    expect(c.onlyChunked).toEqual([
      [135, 199],
      [202, 220],
    ]);
    expect(c.onlyDirect).toEqual([]);
    expect(c.missingInBoth).toEqual([[200, 201]]);
    const short = crossMode(d('direct_stress', [[150, 220]]), d('chunked_optimal', [], 160))!;
    expect(short.onlyChunked).toEqual([[150, 160]]);
  });
});
