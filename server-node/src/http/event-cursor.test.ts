import { describe, expect, it } from 'vitest';
import type { EventDto } from '../api/index.js';
import { EventCursor } from './event-stream.js';

const event = (seq: number): EventDto => ({ seq: String(seq), at: '', type: 'task.queued', data: {} });

describe('EventCursor', () => {
  it('delivers contiguous events and remembers the last one', () => {
    const cursor = new EventCursor(4n);
    expect(cursor.take([event(5), event(6)]).map((e) => e.seq)).toEqual(['5', '6']);
    expect(cursor.last).toBe(6n);
  });

  it('holds events behind a hole until the hole fills', () => {
    const cursor = new EventCursor(4n);
    // 6 committed before 5: deliver 5, then 6, in order.
    expect(cursor.take([event(6)], 1000)).toEqual([]);
    expect(cursor.take([event(5), event(6)], 1100).map((e) => e.seq)).toEqual(['5', '6']);
  });

  it('steps over a hole that stays open (a rolled-back transaction) after the wait', () => {
    const cursor = new EventCursor(4n);
    expect(cursor.take([event(6), event(7)], 1000)).toEqual([]);
    expect(cursor.take([event(6), event(7)], 2500)).toEqual([]);
    expect(cursor.take([event(6), event(7)], 3001).map((e) => e.seq)).toEqual(['6', '7']);
  });
});
