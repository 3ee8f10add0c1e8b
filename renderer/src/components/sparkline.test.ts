import { describe, expect, it } from 'vitest';
import { sparklinePoints } from './sparkline';

describe('sparklinePoints', () => {
  it('draws a bounded figure on its fixed scale, clamped, left to right', () => {
    expect(sparklinePoints([0, 0.5, 1, 7], 1)).toBe('0.0,23.0 23.7,13.0 47.3,3.0 71.0,3.0');
  });

  it('draws an unbounded one on its own range, and a flat one in the middle', () => {
    expect(sparklinePoints([100, 300])).toBe('0.0,23.0 71.0,3.0');
    expect(sparklinePoints([5e8, 5e8, 5e8])).toBe('0.0,13.0 35.5,13.0 71.0,13.0');
  });
});
