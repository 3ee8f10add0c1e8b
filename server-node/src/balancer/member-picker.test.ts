import { describe, expect, it } from 'vitest';
import { BalancerMember } from './balancer-member.js';
import { MemberPicker } from './member-picker.js';
import { RateCounter } from './rate-counter.js';

function members(...names: string[]): BalancerMember[] {
  return names.map((name, i) => {
    const member = new BalancerMember(name, `http://127.0.0.1:${9001 + i}`, 'ready');
    member.health.record('ok');
    return member;
  });
}

describe('picking a member', () => {
  it('takes turns among idle members', () => {
    const picker = new MemberPicker();
    const all = members('a', 'b', 'c');
    expect(Array.from({ length: 6 }, () => picker.pick(all)?.name)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('prefers the member with the fewest requests in flight', () => {
    const picker = new MemberPicker();
    const [a, b, c] = members('a', 'b', 'c');
    a!.begin();
    c!.begin();
    c!.begin();
    expect(picker.pick([a!, b!, c!])?.name).toBe('b');
    b!.begin();
    b!.begin();
    expect(picker.pick([a!, b!, c!])?.name).toBe('a');
  });

  it('skips members in drain or maint, down, or already tried', () => {
    const picker = new MemberPicker();
    const [a, b, c, d] = members('a', 'b', 'c', 'd');
    a!.adminState = 'drain';
    b!.adminState = 'maint';
    c!.health.markDown();
    expect(picker.pick([a!, b!, c!, d!])?.name).toBe('d');
    expect(picker.pick([a!, b!, c!, d!], new Set(['d']))).toBeNull();
  });

  it('ends a session once however often its end is called', () => {
    const [a] = members('a');
    const end = a!.begin();
    end();
    end();
    expect([a!.sessions, a!.totalRequests]).toEqual([0, 1]);
  });
});

describe('request rate', () => {
  it('counts the last second only', () => {
    const rate = new RateCounter();
    for (let i = 0; i < 5; i++) rate.add(10_000 + i * 100);
    expect(rate.perSecond(10_450)).toBe(5);
    expect(rate.perSecond(10_950)).toBe(5);
    expect(rate.perSecond(11_250)).toBe(2);
    expect(rate.perSecond(20_000)).toBe(0);
  });
});
