import type { SshAuth } from '../ssh/index.js';
import type { ProvisionHost } from './host-inventory.js';
import { provisionNode, type ClusterAccess } from './provision-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { gracefulRestart, type BalancerControl } from './restart-node.js';
import type { ServerBundle } from './server-bundle.js';

export interface RollingUpgradeOptions {
  hosts: { host: ProvisionHost; auth: SshAuth }[];
  bundle: ServerBundle;
  cluster: ClusterAccess;
  balancer?: BalancerControl;
  onEvent: (event: ProvisionEvent & { node: string }) => void;
}

/**
 * Upgrades one node at a time, so the cluster keeps serving: the new version is uploaded, verified,
 * installed beside the running one and checked (the node keeps running the old one meanwhile), then
 * the node restarts gracefully into it. The first failure stops the roll; later nodes stay untouched.
 * The same call with the running version is a rolling restart.
 */
export async function rollingUpgrade(options: RollingUpgradeOptions): Promise<void> {
  for (const { host, auth } of options.hosts) {
    const onEvent = (event: ProvisionEvent) => options.onEvent({ ...event, node: host.node.name });
    await provisionNode({
      host,
      auth,
      bundle: options.bundle,
      cluster: options.cluster,
      onEvent,
      stopAfter: 'check',
    });
    await gracefulRestart({
      host,
      auth,
      http: options.cluster.http,
      onEvent,
      expectVersion: options.bundle.version,
      ...(options.balancer ? { balancer: options.balancer } : {}),
    });
  }
}
