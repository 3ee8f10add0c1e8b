import type { ConnectionTestDto } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { ClusterHttp } from '../cluster-client/cluster-http.js';
import { normalizeUrl } from './normalize-url.js';

/** Checks a balancer URL and API key before they are saved: the cluster must answer and accept the key. */
export async function testConnection(input: {
  balancerUrl: string;
  apiKey: string;
}): Promise<ConnectionTestDto & { nodeUrls: string[] }> {
  const balancerUrl = normalizeUrl(input.balancerUrl);
  if (!input.apiKey.trim())
    throw new UserError('Enter the API key (the administrator key printed by `flotilla-node init`).');
  // Only the URL given: a cluster that answers on a node but not on its balancer is not a working entry.
  const api = new ClusterApi(new ClusterHttp({ balancerUrl, apiKey: input.apiKey.trim(), timeoutMs: 5000 }));
  const [cluster, nodes] = await Promise.all([api.getCluster(), api.listNodes()]).catch((error: Error) => {
    throw new UserError(`Cannot use ${balancerUrl}: ${error.message}`);
  });
  if (!cluster || typeof cluster.clusterId !== 'string' || !Array.isArray(nodes)) {
    throw new UserError(`${balancerUrl} answered, but not like a Flotilla cluster. Check the URL.`);
  }
  return {
    balancerUrl,
    nodes: nodes.length,
    version: nodes[0]?.version ?? null,
    leader: cluster.leader,
    readOnly: false,
    nodeUrls: nodes.map((node) => node.url),
  };
}
