import type { BalancerMember } from './balancer-member.js';

/**
 * Least connections with round-robin among equals (HAProxy's `leastconn`): a slow or streaming member
 * gets fewer new requests, and idle members take turns.
 */
export class MemberPicker {
  private turn = 0;

  pick(members: readonly BalancerMember[], skip: ReadonlySet<string> = new Set()): BalancerMember | null {
    let best: BalancerMember | null = null;
    for (let i = 0; i < members.length; i++) {
      const member = members[(this.turn + i) % members.length]!;
      if (!member.routable || skip.has(member.name)) continue;
      if (!best || member.sessions < best.sessions) best = member;
    }
    this.turn = (this.turn + 1) % Math.max(members.length, 1);
    return best;
  }
}
