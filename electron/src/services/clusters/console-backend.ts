import path from 'node:path';
import type { ConsoleInfoDto, InvokeHandlers, Push } from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { HostsService } from '../hosts/index.js';
import { MigrationService } from '../migration/migration-service.js';
import { MigrationStore } from '../migration/migration-store.js';
import type { SandboxLaunchOptions } from '../sandbox/sandbox-launcher.js';
import { MemoryVault } from '../vault/memory-vault.js';
import type { Vault } from '../vault/vault.js';
import { ActiveSession } from './active-session.js';
import { balancerHandlers } from './balancer-handlers.js';
import { directoryHandlers } from './directory-handlers.js';
import { clusterHandlers } from './cluster-handlers.js';
import type { ClusterStore } from './cluster-store.js';
import type { ConsoleContext } from './console-context.js';
import { hostHandlers } from './host-handlers.js';
import { migrationHandlers } from './migration-handlers.js';
import { nodeHandlers } from './node-handlers.js';
import { SandboxControl } from './sandbox-control.js';
import { sandboxHandlers } from './sandbox-handlers.js';
import { taskHandlers } from './task-handlers.js';

export interface ConsoleBackendOptions {
  store: ClusterStore;
  push: Push;
  info: ConsoleInfoDto;
  sandbox: Omit<SandboxLaunchOptions, 'onExit'>;
  /** Samples per second of the active cluster (tests slow it down or speed it up). */
  sampleMs?: number;
  /** The Hosts view: without it its channels answer that hosts are not available here. */
  hosts?: { file: string; vault: Vault; bundlesDir: string };
  /** Where the HA migration keeps its plans and its target URLs; default: migrations.json in the config folder, URLs in memory. */
  migrations?: { file: string; vault: Vault };
}

/**
 * Everything the console does for its UI, behind the contract's handlers: one group per domain,
 * combined here so the compiler checks that every channel has its handler. Electron IPC and the web
 * host's WebSocket both serve exactly these handlers, so the two transports cannot drift apart.
 */
export class ConsoleBackend {
  readonly handlers: InvokeHandlers;
  private readonly context: ConsoleContext;

  constructor(options: ConsoleBackendOptions) {
    const { store, push, info } = options;
    let hosts: HostsService | null = null;
    const session = new ActiveSession({
      store,
      push,
      sampleMs: options.sampleMs,
      openHost: (clusterId) => (hostId) =>
        hosts
          ? hosts.connect(clusterId, hostId)
          : Promise.reject(
              new UserError('HAProxy on a host needs the Hosts view, which this console lacks.'),
            ),
    });
    const sandbox = new SandboxControl({ store, push, session, launch: options.sandbox });
    hosts = options.hosts
      ? new HostsService({
          ...options.hosts,
          version: info.version,
          push,
          active: () => {
            const current = session.require();
            return {
              entry: current.cluster,
              http: current.api.http,
              role: () => current.monitor.role(),
            };
          },
          sandbox: () => sandbox.access(),
        })
      : null;
    const migrations = new MigrationService({
      configDir: info.configDir,
      store: new MigrationStore(
        options.migrations?.file ?? path.join(info.configDir, 'migrations.json'),
        options.migrations?.vault ?? new MemoryVault(),
      ),
      push,
      clusters: store,
      session,
      hosts,
      server: options.sandbox,
    });
    this.context = { store, push, session, sandbox, hosts, migrations };
    this.handlers = {
      [INVOKE.console.getInfo]: () => Promise.resolve(info),
      ...clusterHandlers(this.context),
      ...sandboxHandlers(this.context),
      ...nodeHandlers(this.context),
      ...taskHandlers(this.context),
      ...balancerHandlers(this.context),
      ...directoryHandlers(this.context),
      ...hostHandlers(this.context),
      ...migrationHandlers(this.context),
    } satisfies InvokeHandlers;
  }

  /** Connects to the cluster that was active last time, if any. */
  async start(): Promise<void> {
    await this.context.migrations.start();
    const { activeId } = await this.context.store.list();
    if (activeId) await this.context.session.activate(activeId).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.context.migrations.stop();
    await this.context.session.close();
    await this.context.sandbox.shutdown();
  }
}
