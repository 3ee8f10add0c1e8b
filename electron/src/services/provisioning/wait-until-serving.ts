import type { PingDto } from '@flotilla/server-node/api';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { pingNode } from '../cluster-client/node-ping.js';
import type { SshConnection } from '../ssh/index.js';
import { nodeLogTail } from './node-service.js';
import type { RemoteLayout } from './remote-layout.js';

export interface WaitUntilServingOptions {
  ssh: SshConnection;
  layout: RemoteLayout;
  http: ClusterHttp;
  node: { name: string; publicUrl: string };
  timeoutMs?: number;
  /** During a graceful restart the node comes back drained: that counts as up. */
  acceptDraining?: boolean;
  /** Only this version counts (after an upgrade the old process must not be mistaken for the new one). */
  version?: string;
}

/**
 * Serving means both: the node answers its ping, and the cluster lists it with a fresh heartbeat.
 * On timeout the error quotes the end of the node's log on the host.
 */
export async function waitUntilServing(options: WaitUntilServingOptions): Promise<PingDto> {
  const { name, publicUrl } = options.node;
  const wanted = new Set(['running', ...(options.acceptDraining ? ['draining'] : [])]);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let seen = 'no answer yet';
  while (Date.now() < deadline) {
    // A draining node answers 503 (so balancers skip it) with the same body.
    const ping = await pingNode(publicUrl);
    if (ping && options.version !== undefined && ping.version !== options.version)
      seen = `version ${ping.version} still answers`;
    else if (ping && wanted.has(ping.state)) {
      const nodes = await new ClusterApi(options.http).listNodes().catch(() => []);
      const node = nodes.find((candidate) => candidate.name === name);
      if (node && wanted.has(node.state)) return ping;
      seen = `ping answers; the cluster lists the node as ${node?.state ?? 'absent'}`;
    } else if (ping) seen = `ping says ${ping.state}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const log = await nodeLogTail(options.ssh, options.layout);
  throw new Error(`${name} did not start serving at ${publicUrl} (${seen}). Node log:\n${log}`);
}
