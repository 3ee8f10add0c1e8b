import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';

/**
 * How far the database clock is ahead of this machine's, in ms. Every node row carries its last
 * heartbeat and that heartbeat's age, both on the database clock, so their sum is the database's
 * "now" when it answered; the request's midpoint stands for our "now" at that moment.
 */
export async function databaseClockOffset(http: ClusterHttp): Promise<number> {
  const sent = Date.now();
  const nodes = await new ClusterApi(http).listNodes();
  const received = Date.now();
  const node = nodes.find((candidate) => candidate.state === 'running') ?? nodes[0];
  if (!node) throw new Error('The cluster has no node yet, so its database clock cannot be read.');
  const databaseNow = Date.parse(node.lastSeen) + node.lastSeenAgeMs;
  return databaseNow - (sent + received) / 2;
}
