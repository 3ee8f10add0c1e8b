import path from 'node:path';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { ClusterRequestError } from '../cluster-client/cluster-request-error.js';
import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshAuth, type SshConnection } from '../ssh/index.js';
import { connectFix, connectHost } from './connect-host.js';
import type { ProvisionHost } from './provision-host.js';
import { drainUntilIdle } from './drain-node.js';
import { builtinBalancer, type NodeBalancer } from './node-balancer.js';
import { stopNodeService } from './node-service.js';
import type { ProvisionEvent } from './provision-step.js';
import { remoteLayout } from './remote-layout.js';
import { runStep } from './run-step.js';

export interface RemoveOptions {
  host: ProvisionHost;
  auth: SshAuth;
  http: ClusterHttp;
  /** Default: the built-in balancer at the cluster URL, which drops the node with its row. */
  balancer?: NodeBalancer;
  onEvent: (event: ProvisionEvent) => void;
  /** Also delete the node's logs: the whole install root goes. Without it the logs stay for later reading. */
  purge?: boolean;
  idleTimeoutMs?: number;
  cancelTasksAfterIdleTimeout?: boolean;
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
  const balancer = options.balancer ?? builtinBalancer(http);
  const { name } = host.node;
  const ssh = await runStep(onEvent, 'connect', connectFix, async () => {
    const connection = await connectHost(host, options.auth);
    return { value: connection, detail: `signed in as ${connection.target}` };
  });
  try {
    const layout = remoteLayout(host);
    await drainUntilIdle({
      name,
      http,
      balancer,
      onEvent,
      fix: retry,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.cancelTasksAfterIdleTimeout ? { cancelTasksAfterIdleTimeout: true } : {}),
    });
    await runStep(onEvent, 'unbalance', retry('Check the balancer.'), async () => {
      if (!(await balancer.removeServer(name)))
        return { value: null, skipped: true, detail: 'the built-in balancer drops the node with its row' };
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
          const outcome = await new ClusterApi(http).deleteNode(name).then(
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
      // The service account stays: other nodes or files on the host may be its (userdel removes it).
      const owner = (await ssh.exec(`stat -c %U ${q(layout.home)} 2>/dev/null`)).stdout.trim();
      const account = owner && owner !== 'root' ? `; the service user ${owner} stays` : '';
      // A systemd unit left behind would start a node that no longer exists at every boot.
      await mustExec(
        ssh,
        `unit=/etc/systemd/system/flotilla-node.service
if [ -f "$unit" ] && grep -qF -- ${q(`--home ${layout.home}`)} "$unit"; then
  if [ -d /run/systemd/system ]; then systemctl disable flotilla-node.service 2>/dev/null || true; fi
  rm -f "$unit"
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi`,
      );
      if (options.purge) {
        await mustExec(ssh, `rm -rf ${q(layout.root)}`);
        return { value: null, detail: `${layout.root} deleted, logs included${account}` };
      }
      // Everything but the logs: the versions, the config (it holds the master key), pidfiles, state.
      // What stays is the service user's (its home and logs), so provisioning again takes it over.
      await mustExec(
        ssh,
        `cd ${q(layout.root)} 2>/dev/null || exit 0
find . -mindepth 1 -maxdepth 1 ! -name ${q(path.posix.basename(layout.home))} -exec rm -rf {} +
find ${q(layout.home)} -mindepth 1 -maxdepth 1 ! -name '*.log' ! -name 'logs' -exec rm -rf {} +`,
      );
      return { value: null, detail: `uninstalled; logs kept in ${layout.home}${account}` };
    });
  } finally {
    await ssh.close();
  }
}

async function mustExec(ssh: SshConnection, command: string): Promise<void> {
  const result = await ssh.exec(command, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(result.stderr.trim() || `exit code ${String(result.code)}`);
}
