import type { BalancerAdminState, BalancerServerDto, BalancerStatsDto } from '@flotilla/server-node/api';
import type { HaproxyBalancer } from '../balancer/haproxy-balancer.js';
import { UserError } from '../../common/user-error.js';
import type { ClusterHttp } from './cluster-http.js';
import { ClusterRequestError } from './cluster-request-error.js';

// The built-in balancer's admin API (server-node/src/balancer/balancer-admin.ts). Only the balancer
// answers it, so these requests never fall back to a node.
const STATS_PATH = '/_balancer/stats';
const serverPath = (name: string) => `/_balancer/servers/${encodeURIComponent(name)}`;

/** The balancer's figures, or null with the reason it has none. */
export interface BalancerOutcome {
  stats: BalancerStatsDto | null;
  error: string | null;
}

/** The built-in balancer's figures, or null with the reason when its URL is a node or it has no stats endpoint. */
export async function fetchBalancerStats(http: ClusterHttp): Promise<BalancerOutcome> {
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

/** An HAProxy's figures through its Runtime API, or null with what went wrong. */
export function readHaproxyStats(haproxy: HaproxyBalancer): Promise<BalancerOutcome> {
  return haproxy.stats().then(
    (stats) => ({ stats, error: null }),
    (error: Error) => ({ stats: null, error: `HAProxy does not answer: ${error.message}` }),
  );
}

/** Sets a server's admin state in HAProxy and returns the server as HAProxy then reports it. */
export async function setHaproxyServerState(
  haproxy: HaproxyBalancer,
  name: string,
  state: BalancerAdminState,
): Promise<BalancerServerDto> {
  await haproxy.setServerState(name, state);
  const server = (await haproxy.stats()).servers.find((candidate) => candidate.name === name);
  if (!server) throw new UserError(`HAProxy has no server named ${name} in backend ${haproxy.backend}.`);
  return server;
}
