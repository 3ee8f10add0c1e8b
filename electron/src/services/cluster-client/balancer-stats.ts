import type { BalancerStatsDto } from '@flotilla/server-node/api';

/**
 * The cluster's balancer as the console reads it: the built-in one through the cluster URL
 * (ClusterApi.balancerStats), or HAProxy through its Runtime API. Provisioning's NodeBalancer is one,
 * so the monitor and the node actions read the same figures the same way.
 */
export interface BalancerReader {
  readonly kind: 'builtin' | 'haproxy';
  /** Null when the cluster URL has no balancer that reports its servers. */
  stats(): Promise<BalancerStatsDto | null>;
}

/** The balancer's figures, or null with the reason it has none. */
export interface BalancerOutcome {
  stats: BalancerStatsDto | null;
  error: string | null;
}

/** Reads the balancer's figures, turning "none" and failures into the reason the Load balancer view shows. */
export async function readBalancerStats(balancer: BalancerReader): Promise<BalancerOutcome> {
  try {
    const stats = await balancer.stats();
    if (stats) return { stats, error: null };
    return {
      stats: null,
      error:
        'The cluster URL answers without balancer stats: it is a node, or a balancer the console cannot read yet.',
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      stats: null,
      error: balancer.kind === 'haproxy' ? `HAProxy does not answer: ${message}` : message,
    };
  }
}
