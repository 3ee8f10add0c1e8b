import { NODE_PING_PATH, type PingDto } from '@flotilla/server-node/api';

/**
 * A node's own ping, straight to its URL rather than through the balancer; null when it does not
 * answer. A node that starts, drains or stops answers 503 (so balancers skip it) with the same body.
 */
export function pingNode(nodeUrl: string, timeoutMs = 2000): Promise<PingDto | null> {
  return fetch(nodeUrl + NODE_PING_PATH, { signal: AbortSignal.timeout(timeoutMs) })
    .then(async (response) => (await response.json()) as PingDto)
    .catch(() => null);
}
