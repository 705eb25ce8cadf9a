// A retry rule's wait, as both engines compute it (noetl/tools src/tools/task_sequence.rs 743-806;
// noetl 4.26.0 noetl/worker/task_sequence_executor.py 1051-1068): no backoff named is `none`, no wait.
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../src/sandbox/tools.js';

describe('retry delays', () => {
  it('waits nothing by default, delay·attempt linear, delay·2^(attempt−1) exponential, delay otherwise', () => {
    const at = (backoff: string, delay = 1.5) => [1, 2, 3].map((a) => retryDelaySeconds({ backoff, delay }, a));
    expect(at('none')).toEqual([0, 0, 0]);
    expect(at('linear')).toEqual([1.5, 3, 4.5]);
    expect(at('exponential')).toEqual([1.5, 3, 6]);
    expect(at('fixed')).toEqual([1.5, 1.5, 1.5]);
  });
});
