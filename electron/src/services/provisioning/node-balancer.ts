import type { BalancerAdminState, BalancerServerDto } from '@flotilla/server-node/api';
import type { BalancerMember } from '../balancer/balancer-member.js';
import type { HaproxyBalancer } from '../balancer/haproxy-balancer.js';
import type { BalancerReader } from '../cluster-client/balancer-stats.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';

/**
 * The balancer in front of the cluster, as node actions see it. HAProxy needs to be told about nodes
 * and admin states; the built-in balancer takes its members from the nodes table and skips a draining
 * node by its ping, so for it those calls change nothing. Both are read the same way (and the same way
 * the console's monitor reads them), so every action can wait until the balancer really sends a node
 * traffic (or really stopped).
 */
export interface NodeBalancer extends BalancerReader {
  /** Returns false when the balancer adds nodes by itself. */
  addServer(member: BalancerMember): Promise<boolean>;
  /** Returns false when the balancer drops nodes by itself. */
  removeServer(name: string): Promise<boolean>;
  /** Returns false when the balancer follows the node's ping instead. */
  setState(name: string, state: BalancerAdminState): Promise<boolean>;
}

/** The built-in balancer (`flotilla-node balance`), read through the cluster URL it serves. */
export function builtinBalancer(http: ClusterHttp): NodeBalancer {
  return {
    kind: 'builtin',
    addServer: () => Promise.resolve(false),
    removeServer: () => Promise.resolve(false),
    setState: () => Promise.resolve(false),
    // Null when a node or an nginx is at the cluster URL: nothing there reports its servers.
    stats: () => new ClusterApi(http).balancerStats(),
  };
}

/** HAProxy through its adapter (Runtime API, and haproxy.cfg so a reload keeps what changed). */
export function haproxyNodeBalancer(haproxy: HaproxyBalancer): NodeBalancer {
  return {
    kind: 'haproxy',
    addServer: async (member) => {
      const known = (await haproxy.configuredServers()).some((server) => server.name === member.name);
      if (!known) await haproxy.addServer(member);
      return true;
    },
    removeServer: async (name) => {
      const known = (await haproxy.configuredServers()).some((server) => server.name === name);
      if (known) await haproxy.removeServer(name);
      return true;
    },
    setState: async (name, state) => {
      await haproxy.setServerState(name, state);
      return true;
    },
    stats: () => haproxy.stats(),
  };
}

/** Takes traffic: the admin left it ready and its health checks pass. */
export const inRotation = (server: BalancerServerDto | undefined): boolean =>
  server !== undefined && server.adminState === 'ready' && server.checkStatus === 'up';

export type RotationWait = 'in' | 'out';

/**
 * Waits until the balancer sends the node traffic ('in'), or sends it none and no request of it is in
 * flight ('out'). Resolves with what it saw, or null when the balancer reports nothing to wait on.
 */
export async function waitForRotation(
  balancer: NodeBalancer,
  name: string,
  want: RotationWait,
  timeoutMs = 30_000,
): Promise<BalancerServerDto | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await balancer.stats();
    if (!stats) return null;
    const server = stats.servers.find((candidate) => candidate.name === name);
    if (want === 'in' ? inRotation(server) : !inRotation(server) && (server?.currentSessions ?? 0) === 0)
      return server ?? null;
    if (Date.now() > deadline) {
      const seen = server ? `${server.adminState}, check ${server.checkStatus}` : 'not a member';
      throw new Error(
        `The ${balancer.kind} balancer still does not ${want === 'in' ? 'send' : 'stop sending'} ${name} traffic after ${timeoutMs / 1000} s (${seen}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
