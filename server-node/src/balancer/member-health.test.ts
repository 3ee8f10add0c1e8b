import { describe, expect, it } from 'vitest';
import type { CheckResult } from './member-health.js';
import { MemberHealth } from './member-health.js';

function after(results: CheckResult[], health = new MemberHealth()): MemberHealth {
  for (const result of results) health.record(result);
  return health;
}

describe('member health (fall 2, rise 2)', () => {
  it('is decided by the first check, so a new balancer serves at once', () => {
    expect(new MemberHealth().status).toBe('unchecked');
    expect(new MemberHealth().routable).toBe(false);
    expect(after(['ok']).status).toBe('up');
    expect(after(['failed']).status).toBe('down');
  });

  it('goes down after two failures in a row and keeps serving after one', () => {
    const health = after(['ok', 'failed']);
    expect(health.status).toBe('going-down');
    expect(health.routable).toBe(true);
    expect(after(['failed'], health).status).toBe('down');
    expect(health.routable).toBe(false);
    expect(after(['ok', 'failed', 'ok', 'failed']).status).toBe('going-down');
  });

  it('comes back after two good checks in a row', () => {
    const health = after(['failed', 'ok']);
    expect(health.status).toBe('going-up');
    expect(health.routable).toBe(false);
    expect(after(['ok'], health).status).toBe('up');
    expect(after(['failed', 'ok', 'failed', 'ok']).status).toBe('going-up');
  });

  it('takes no new requests from a member whose ping says 503, until it says 200 again', () => {
    const health = after(['ok', 'not-ready']);
    expect(health.routable).toBe(false);
    expect(after(['not-ready'], health).status).toBe('down');
    expect(after(['ok', 'ok'], health).routable).toBe(true);
  });

  it('is marked down at once by a refused connection and needs two good checks to return', () => {
    const health = after(['ok']);
    health.markDown(5000);
    expect(health.status).toBe('down');
    expect(health.changedAt).toBe(5000);
    expect(after(['ok'], health).routable).toBe(false);
    expect(after(['ok'], health).routable).toBe(true);
  });

  it('records when it last went up or down, not the steps in between', () => {
    const health = new MemberHealth();
    health.record('ok', 1000);
    health.record('failed', 2000);
    expect(health.changedAt).toBe(1000);
    health.record('failed', 3000);
    expect(health.changedAt).toBe(3000);
  });
});
