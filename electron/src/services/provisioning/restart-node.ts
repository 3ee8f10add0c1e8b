import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import type { SshAuth } from '../ssh/index.js';
import { connectFix, connectHost } from './connect-host.js';
import type { ProvisionHost } from './provision-host.js';
import { drainUntilIdle } from './drain-node.js';
import { builtinBalancer, waitForRotation, type NodeBalancer } from './node-balancer.js';
import { startNodeService, stopNodeService } from './node-service.js';
import { ProvisionError, type ProvisionEvent } from './provision-step.js';
import { remoteLayout } from './remote-layout.js';
import { runStep } from './run-step.js';
import { waitUntilServing } from './wait-until-serving.js';

export interface RestartOptions {
  host: ProvisionHost;
  auth: SshAuth;
  http: ClusterHttp;
  /** Default: the built-in balancer at the cluster URL. */
  balancer?: NodeBalancer;
  onEvent: (event: ProvisionEvent) => void;
  /** How long the node may take to finish the tasks it runs once drained. */
  idleTimeoutMs?: number;
  /** After idleTimeoutMs, cancel the tasks it still runs instead of giving up. */
  cancelTasksAfterIdleTimeout?: boolean;
  waitTimeoutMs?: number;
  /** How long the balancer may take to stop, and then to start, sending the node traffic. */
  rotationTimeoutMs?: number;
  /** After an upgrade only this version counts as back. */
  expectVersion?: string;
}

const leftDrained = (what: string) => () =>
  `${what} The node is left drained: undrain it in the console once it is healthy.`;

/**
 * Restarts a node without failing a task or a user request: drain → wait until it runs no task →
 * out of the balancer's rotation (maintenance on HAProxy) → restart → wait for ping and heartbeat →
 * undrain → back in rotation. A failure leaves the node drained and says so.
 */
export async function gracefulRestart(options: RestartOptions): Promise<void> {
  const { host, http, onEvent } = options;
  const balancer = options.balancer ?? builtinBalancer(http);
  const { name } = host.node;
  const rotationTimeoutMs = options.rotationTimeoutMs ?? 30_000;
  const ssh = await runStep(onEvent, 'connect', connectFix, async () => {
    const connection = await connectHost(host, options.auth);
    return { value: connection, detail: `signed in as ${connection.target}` };
  });
  try {
    const layout = remoteLayout(host);
    const present = await drainUntilIdle({
      name,
      http,
      balancer,
      onEvent,
      fix: leftDrained,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.cancelTasksAfterIdleTimeout ? { cancelTasksAfterIdleTimeout: true } : {}),
    });
    if (!present)
      throw new ProvisionError('drain', `The cluster has no node named ${name}.`, 'Provision it first.');
    await runStep(onEvent, 'maint', leftDrained('Check the balancer.'), async () => {
      const told = await balancer.setState(name, 'maint');
      // Stopping a node the balancer still sends requests to would cut them off.
      const seen = await waitForRotation(balancer, name, 'out', rotationTimeoutMs);
      const where = told ? 'in maintenance on the balancer' : "out of the balancer's rotation";
      return seen === null && !told
        ? { value: null, skipped: true, detail: 'no balancer reports its servers at the cluster URL' }
        : { value: null, detail: `${name} ${where}, no request in flight` };
    });
    await runStep(
      onEvent,
      'restart',
      leftDrained('Check the node log on the host (home/node.log).'),
      async () => {
        await stopNodeService(ssh, layout);
        const started = await startNodeService(ssh, layout);
        return { value: null, detail: `restarted (${started.mode})` };
      },
    );
    await runStep(onEvent, 'back', leftDrained('Check the node log quoted above.'), async () => {
      const ping = await waitUntilServing({
        ssh,
        layout,
        http,
        node: host.node,
        acceptDraining: true,
        ...(options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs }),
        ...(options.expectVersion === undefined ? {} : { version: options.expectVersion }),
      });
      return { value: null, detail: `${name} is back (version ${ping.version})` };
    });
    await runStep(onEvent, 'undrain', leftDrained('Check that the cluster answers.'), async () => {
      await new ClusterApi(http).setDrain(name, false);
      return { value: null, detail: `${name} takes tasks again` };
    });
    await runStep(
      onEvent,
      'ready',
      () => 'Check the balancer: the node serves and takes tasks, but the balancer does not send it users.',
      async () => {
        const told = await balancer.setState(name, 'ready');
        const seen = await waitForRotation(balancer, name, 'in', rotationTimeoutMs);
        return seen === null && !told
          ? { value: null, skipped: true, detail: 'no balancer reports its servers at the cluster URL' }
          : { value: null, detail: `${name} back in the balancer's rotation` };
      },
    );
  } finally {
    await ssh.close();
  }
}
