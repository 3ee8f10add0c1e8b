import type { BalancerAdminState, BalancerServerDto, BalancerStatsDto } from '@flotilla/server-node/api';
import { UserError } from '../../common/user-error.js';
import type { ClusterHttp } from './cluster-http.js';
import { ClusterRequestError } from './cluster-request-error.js';

// The built-in balancer's admin API (server-node/src/balancer/balancer-admin.ts). Only the balancer
// answers it, so these requests never fall back to a node.
const STATS_PATH = '/_balancer/stats';
const serverPath = (name: string) => `/_balancer/servers/${encodeURIComponent(name)}`;

/** The balancer's figures, or null with the reason when its URL is a node or it has no stats endpoint. */
export async function fetchBalancerStats(
  http: ClusterHttp,
): Promise<{ stats: BalancerStatsDto | null; error: string | null }> {
  try {
    const response = await fetch(http.balancerUrl + STATS_PATH, {
      headers: http.authHeaders(),
      signal: AbortSignal.timeout(3000),
    });
    if (response.status === 404) {
      return {
        stats: null,
        error:
          'The cluster URL answers without balancer stats: it is a node, or a balancer the console cannot read yet.',
      };
    }
    if (!response.ok) return { stats: null, error: `The balancer answered ${response.status}.` };
    return { stats: (await response.json()) as BalancerStatsDto, error: null };
  } catch (error) {
    return { stats: null, error: `The balancer does not answer (${(error as Error).message}).` };
  }
}

export async function setBalancerServerState(
  http: ClusterHttp,
  name: string,
  state: BalancerAdminState,
): Promise<BalancerServerDto> {
  const response = await fetch(http.balancerUrl + serverPath(name), {
    method: 'PUT',
    headers: { ...http.authHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ state }),
    signal: AbortSignal.timeout(5000),
  }).catch((error: Error) => {
    throw new UserError(
      `The balancer at ${http.balancerUrl} does not answer (${error.message}). Nothing was changed.`,
    );
  });
  const body = (await response.json().catch(() => ({}))) as BalancerServerDto & { error?: string };
  if (!response.ok)
    throw new ClusterRequestError(response.status, body.error ?? `The balancer answered ${response.status}.`);
  return body;
}
