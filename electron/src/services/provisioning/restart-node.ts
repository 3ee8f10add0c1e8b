import type { NodeDto } from '@flotilla/server-node/api';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import type { SshAuth } from '../ssh/index.js';
import { connectFix, connectHost } from './connect-host.js';
import type { ProvisionHost } from './host-inventory.js';
import { startNodeService, stopNodeService } from './node-service.js';
import type { ProvisionEvent } from './provision-step.js';
import { remoteLayout } from './remote-layout.js';
import { runStep } from './run-step.js';
import { waitUntilServing } from './wait-until-serving.js';

/** An external balancer's admin states (HAProxy's ready/drain/maint); the built-in one follows the node's ping. */
export interface BalancerControl {
  setState(name: string, state: 'ready' | 'drain' | 'maint'): Promise<void>;
}

export interface RestartOptions {
  host: ProvisionHost;
  auth: SshAuth;
  http: ClusterHttp;
  balancer?: BalancerControl;
  onEvent: (event: ProvisionEvent) => void;
  /** How long the node may take to finish the tasks it runs once drained. */
  idleTimeoutMs?: number;
  waitTimeoutMs?: number;
  /** After an upgrade only this version counts as back. */
  expectVersion?: string;
}

const leftDrained = (what: string) => () =>
  `${what} The node is left drained: undrain it in the console once it is healthy.`;

/**
 * Restarts a node without failing a task: drain → wait until it runs no task → balancer maintenance →
 * restart → wait for ping and heartbeat → balancer ready → undrain. A failure leaves the node drained.
 */
export async function gracefulRestart(options: RestartOptions): Promise<void> {
  const { host, http, balancer, onEvent } = options;
  const { name } = host.node;
  const nodePath = `/api/nodes/${encodeURIComponent(name)}`;
  const ssh = await runStep(onEvent, 'connect', connectFix, async () => {
    const connection = await connectHost(host, options.auth);
    return { value: connection, detail: `signed in as ${connection.target}` };
  });
  try {
    const layout = remoteLayout(host);
    await runStep(onEvent, 'drain', leftDrained('Check that the cluster answers.'), async () => {
      await http.json('PATCH', nodePath, { drain: true });
      await balancer?.setState(name, 'drain');
      return { value: null, detail: `${name} takes no new tasks` };
    });
    await runStep(
      onEvent,
      'idle',
      leftDrained('Wait for or cancel its running tasks, then retry.'),
      async () => {
        const deadline = Date.now() + (options.idleTimeoutMs ?? 300_000);
        for (;;) {
          const node = await http.json<NodeDto>('GET', nodePath);
          if (node.runningTasks === 0) return { value: null, detail: `${name} runs no task` };
          if (Date.now() > deadline) throw new Error(`${name} still runs ${node.runningTasks} task(s).`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
    );
    await runStep(onEvent, 'maint', leftDrained('Check the balancer.'), async () => {
      if (!balancer)
        return { value: null, skipped: true, detail: 'the built-in balancer skips a draining node' };
      await balancer.setState(name, 'maint');
      return { value: null, detail: `${name} in maintenance on the balancer` };
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
    await runStep(onEvent, 'ready', leftDrained('Check the balancer.'), async () => {
      if (!balancer) return { value: null, skipped: true, detail: 'the built-in balancer follows the ping' };
      await balancer.setState(name, 'ready');
      return { value: null, detail: `${name} ready on the balancer` };
    });
    await runStep(onEvent, 'undrain', leftDrained('Check that the cluster answers.'), async () => {
      await http.json('PATCH', nodePath, { drain: false });
      return { value: null, detail: `${name} takes tasks again` };
    });
  } finally {
    await ssh.close();
  }
}
