import {
  BALANCER_STATS_PATH,
  balancerServerPath,
  type BalancerAdminState,
  type BalancerServerDto,
  type BalancerStatsDto,
} from '@flotilla/server-node/api';
import { UserError } from '../../common/user-error.js';
import type { ClusterHttp } from './cluster-http.js';
import { ClusterRequestError, ClusterUnreachableError } from './cluster-request-error.js';

// The built-in balancer's admin API (server-node/src/balancer/balancer-admin.ts), for ClusterApi.
// Only the balancer answers it, so these requests go to the cluster URL and never fall back to a node.

/** Its figures; null when the cluster URL answers without them (it is a node, or another balancer). */
export async function readBuiltinBalancerStats(http: ClusterHttp): Promise<BalancerStatsDto | null> {
  const response = await fetch(http.balancerUrl + BALANCER_STATS_PATH, {
    headers: http.authHeaders(),
    signal: AbortSignal.timeout(3000),
  }).catch((error: Error) => {
    throw new ClusterUnreachableError(`The balancer does not answer (${error.message}).`);
  });
  if (response.status === 404) return null;
  if (!response.ok)
    throw new ClusterRequestError(response.status, `The balancer answered ${response.status}.`);
  return (await response.json()) as BalancerStatsDto;
}

/** Sets a member's admin state (ready, drain, maint); returns the member as the balancer then reports it. */
export async function setBuiltinBalancerServerState(
  http: ClusterHttp,
  name: string,
  state: BalancerAdminState,
): Promise<BalancerServerDto> {
  const response = await fetch(http.balancerUrl + balancerServerPath(name), {
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
