import type { SshAuth } from '../ssh/index.js';
import type { ProvisionHost } from './provision-host.js';
import { builtinBalancer, type NodeBalancer } from './node-balancer.js';
import { provisionNode, type ClusterAccess } from './provision-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { removeNode } from './remove-node.js';
import type { ServerBundle } from './server-bundle.js';

export interface ReplaceOptions {
  /** The node that goes: its host entry and credentials. */
  from: { host: ProvisionHost; auth: SshAuth };
  /** Where its successor runs: a host entry for the new node (its own name). */
  to: { host: ProvisionHost; auth: SshAuth };
  bundle: ServerBundle;
  cluster: ClusterAccess;
  /** Default: the built-in balancer at the cluster URL. */
  balancer?: NodeBalancer;
  onEvent: (event: ProvisionEvent & { node: string }) => void;
  /** Also delete the old node's logs. */
  purge?: boolean;
  idleTimeoutMs?: number;
  cancelTasksAfterIdleTimeout?: boolean;
}

/**
 * Moves a node to another host without a moment of reduced capacity: the new node is provisioned and
 * in rotation first, only then is the old one drained and removed. If provisioning fails the old node
 * keeps serving untouched; running the same replace again resumes where it stopped.
 */
export async function replaceNode(options: ReplaceOptions): Promise<void> {
  const { from, to, cluster } = options;
  if (from.host.node.name === to.host.node.name)
    throw new Error(`The new node needs its own name: ${to.host.node.name} is the node being replaced.`);
  const balancer = options.balancer ?? builtinBalancer(cluster.http);
  const on = (node: string) => (event: ProvisionEvent) => options.onEvent({ ...event, node });
  await provisionNode({
    host: to.host,
    auth: to.auth,
    bundle: options.bundle,
    cluster,
    balancer,
    onEvent: on(to.host.node.name),
  });
  await removeNode({
    host: from.host,
    auth: from.auth,
    http: cluster.http,
    balancer,
    onEvent: on(from.host.node.name),
    ...(options.purge ? { purge: true } : {}),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.cancelTasksAfterIdleTimeout ? { cancelTasksAfterIdleTimeout: true } : {}),
  });
}
