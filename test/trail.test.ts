// The trail the event feed keeps per execution (src/sources/trail.ts), with no database: duplicates, the
// cursor, the window's edge and the floor, settling. The feed itself, on a real table: event-feed.test.ts.
import { describe, expect, it } from 'vitest';
import type { NoetlEvent } from '../src/model.js';
import { Trail } from '../src/sources/trail.js';

describe('Trail', () => {
  const ev = (id: string, type = 'call.done'): NoetlEvent => ({
    eventId: id,
    executionId: '1',
    type,
    node: null,
    status: null,
    createdAt: null,
  });

  it('forwards a duplicate once, keeps the cursor at the highest id and the span over what it holds', () => {
    const t = new Trail(1000);
    expect(t.take([ev('10'), ev('12'), ev('10'), ev('9')], 0).map((e) => e.eventId)).toEqual(['10', '12', '9']);
    expect(t.cursor).toBe('12');
    expect(t.span()).toEqual({ lo: '0', hi: '12', held: 3 });
    expect(t.take([ev('12'), ev('11')], 10).map((e) => e.eventId)).toEqual(['11']);
    expect(t.heldIds()).toEqual(['9', '10', '11', '12']);
  });

  it('lets ids leave the window in id order once read a window ago, raising the floor', () => {
    const t = new Trail(1000, 3);
    t.take([ev('1'), ev('2')], 0);
    t.take([ev('3')], 600);
    t.expire(1200);
    expect(t.floor).toBe('2');
    expect(t.span()).toEqual({ lo: '2', hi: '3', held: 1 });
    expect(t.take([ev('2')], 1300)).toEqual([]);
    t.take([ev('4'), ev('5'), ev('6'), ev('7')], 1300);
    t.expire(1300);
    expect(t.floor).toBe('4');
    expect(t.span()?.held).toBe(3);
  });

  it('is settled a window after its terminal event', () => {
    const t = new Trail(1000);
    t.take([ev('1', 'playbook.completed')], 100);
    expect(t.settled(1000)).toBe(false);
    expect(t.settled(1100)).toBe(true);
  });
});
