import type { NodeDto } from '@flotilla/server-node/api';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { ClusterRequestError } from '../cluster-client/cluster-request-error.js';
import { quoteShellArg as q, type SshAuth } from '../ssh/index.js';
import { connectFix, connectHost } from './connect-host.js';
import type { ProvisionHost } from './host-inventory.js';
import { stopNodeService } from './node-service.js';
import type { ProvisionEvent } from './provision-step.js';
import { remoteLayout } from './remote-layout.js';
import { runStep } from './run-step.js';

export interface RemoveOptions {
  host: ProvisionHost;
  auth: SshAuth;
  http: ClusterHttp;
  /** An external balancer (HAProxy) to take the node out of; the built-in one drops it with its row. */
  balancer?: { removeServer(name: string): Promise<void> };
  onEvent: (event: ProvisionEvent) => void;
  /** Also delete the install root (versions, node home and its log) from the host. */
  purge?: boolean;
  idleTimeoutMs?: number;
  deregisterTimeoutMs?: number;
}

const retry = (what: string) => () => `${what} Then remove again: finished steps change nothing.`;

/**
 * Takes a node out of the cluster for good: drain → wait until it runs no task → off the balancer →
 * stop the service → delete its row → (purge) delete its files. Every step may run twice, so a
 * removal that stopped half-way is finished by running it again.
 */
export async function removeNode(options: RemoveOptions): Promise<void> {
  const { host, http, onEvent } = options;
  const { name } = host.node;
  const nodePath = `/api/nodes/${encodeURIComponent(name)}`;
  const node = () => http.json<NodeDto>('GET', nodePath).catch(notFoundIsNull);
  const ssh = await runStep(onEvent, 'connect', connectFix, async () => {
    const connection = await connectHost(host, options.auth);
    return { value: connection, detail: `signed in as ${connection.target}` };
  });
  try {
    const layout = remoteLayout(host);
    await runStep(onEvent, 'drain', retry('Check that the cluster answers.'), async () => {
      if (!(await node())) return { value: null, skipped: true, detail: `${name} is not in the cluster` };
      await http.json('PATCH', nodePath, { drain: true });
      return { value: null, detail: `${name} takes no new tasks` };
    });
    await runStep(onEvent, 'idle', retry('Wait for or cancel its running tasks.'), async () => {
      const deadline = Date.now() + (options.idleTimeoutMs ?? 300_000);
      for (let current = await node(); current && current.runningTasks > 0; current = await node()) {
        if (Date.now() > deadline) throw new Error(`${name} still runs ${current.runningTasks} task(s).`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return { value: null, detail: `${name} runs no task` };
    });
    await runStep(onEvent, 'unbalance', retry('Check the balancer.'), async () => {
      if (!options.balancer)
        return { value: null, skipped: true, detail: 'the built-in balancer drops the node with its row' };
      await options.balancer.removeServer(name);
      return { value: null, detail: `${name} removed from the balancer` };
    });
    await runStep(onEvent, 'stop', retry('Check the node log on the host (home/node.log).'), async () => {
      await stopNodeService(ssh, layout);
      return { value: null, detail: `${name} stopped` };
    });
    await runStep(
      onEvent,
      'deregister',
      retry('Wait until the cluster shows the node offline.'),
      async () => {
        // A cleanly stopped node goes offline at once; one that died needs the cluster to notice first.
        const deadline = Date.now() + (options.deregisterTimeoutMs ?? 60_000);
        for (;;) {
          const outcome = await http.json('DELETE', nodePath).then(
            () => 'deleted',
            (error: unknown) => {
              if (error instanceof ClusterRequestError && error.status === 404) return 'gone';
              if (error instanceof ClusterRequestError && error.status === 409 && Date.now() < deadline)
                return 'retry';
              throw error;
            },
          );
          if (outcome === 'deleted') return { value: null, detail: `${name} deleted from the cluster` };
          if (outcome === 'gone')
            return { value: null, skipped: true, detail: `${name} was already deleted` };
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
    );
    await runStep(onEvent, 'uninstall', retry('Check write access to the install root.'), async () => {
      if (!options.purge) return { value: null, skipped: true, detail: `files kept in ${layout.root}` };
      const result = await ssh.exec(`rm -rf ${q(layout.root)}`, { timeoutMs: 120_000 });
      if (result.code !== 0) throw new Error(result.stderr.trim());
      return { value: null, detail: `${layout.root} deleted` };
    });
  } finally {
    await ssh.close();
  }
}

function notFoundIsNull(error: unknown): null {
  if (error instanceof ClusterRequestError && error.status === 404) return null;
  throw error;
}
