import type { BalancerServerDto, BalancerStatsDto } from '../api/index.js';
import type { BalancerMember } from './balancer-member.js';

/** The name the stats give the one group of servers, as HAProxy names its backend. */
export const BALANCER_BACKEND = 'flotilla';

/** The balancer's figures in the model the HAProxy adapter also fills, so the console shows both alike. */
export function balancerStats(members: readonly BalancerMember[], now = Date.now()): BalancerStatsDto {
  return {
    kind: 'builtin',
    backend: BALANCER_BACKEND,
    servers: members.map((member) => serverStats(member, now)),
    at: new Date(now).toISOString(),
  };
}

export function serverStats(member: BalancerMember, now = Date.now()): BalancerServerDto {
  return {
    name: member.name,
    address: member.address,
    adminState: member.adminState,
    checkStatus: member.health.status,
    currentSessions: member.sessions,
    requestRate: member.requestRate(now),
    totalRequests: member.totalRequests,
    bytesIn: member.bytesIn,
    bytesOut: member.bytesOut,
    lastChangeSeconds:
      member.health.status === 'unchecked' ? null : Math.floor((now - member.health.changedAt) / 1000),
  };
}
