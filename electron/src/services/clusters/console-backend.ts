import type {
  BalancerAdminState,
  BalancerServerDto,
  BalancerSettingsDto,
  BalancerSettingsInputDto,
  ClusterEntryDto,
  ConsoleInfoDto,
  InvokeHandlers,
  PushContract,
  PushEvent,
  SandboxStatusDto,
} from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { balancerSettings, haproxyFromSettings } from '../balancer/haproxy-from-settings.js';
import { readBalancerStats } from '../cluster-client/balancer-stats.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { ClusterHttp } from '../cluster-client/cluster-http.js';
import { ClusterMonitor } from '../cluster-client/cluster-monitor.js';
import { TaskLogFollower } from '../cluster-client/task-log-follower.js';
import { HostsService, type HostsHandlers } from '../hosts/index.js';
import { builtinBalancer, haproxyNodeBalancer, type NodeBalancer } from '../provisioning/index.js';
import { SandboxLauncher, type SandboxInfo, type SandboxLaunchOptions } from '../sandbox/sandbox-launcher.js';
import type { Vault } from '../vault/vault.js';
import type { ClusterStore } from './cluster-store.js';
import { testConnection } from './test-connection.js';

export type Push = <E extends PushEvent>(event: E, payload: PushContract[E]) => void;

export interface ConsoleBackendOptions {
  store: ClusterStore;
  push: Push;
  info: ConsoleInfoDto;
  sandbox: Omit<SandboxLaunchOptions, 'onExit'>;
  /** Samples per second of the active cluster (tests slow it down or speed it up). */
  sampleMs?: number;
  /** The Hosts view: without it its channels answer that hosts are not available here. */
  hosts?: { file: string; vault: Vault; bundlesDir: string };
}

interface Session {
  cluster: ClusterEntryDto;
  api: ClusterApi;
  monitor: ClusterMonitor;
  /** The cluster's balancer: the built-in one, or HAProxy when the cluster's balancer setting names one. */
  balancer: NodeBalancer;
  followers: Map<string, TaskLogFollower>;
}

const SANDBOX_NAME = 'Local sandbox';

/**
 * Everything the console does for its UI, behind the contract's handlers: saved clusters, the active
 * cluster's client and monitor, the sandbox. Electron IPC and the web host's WebSocket both serve
 * exactly these handlers, so the two transports cannot drift apart.
 */
export class ConsoleBackend {
  private session: Session | null = null;
  private switching: Promise<void> = Promise.resolve();
  private readonly sandbox: SandboxLauncher;
  private sandboxInfo: SandboxInfo | null = null;
  private sandboxStatus: SandboxStatusDto = {
    state: 'stopped',
    clusterId: null,
    balancerUrl: null,
    nodes: [],
    error: null,
  };

  private readonly hosts: HostsService | null;

  constructor(private readonly options: ConsoleBackendOptions) {
    this.hosts = this.createHosts();
    if (this.hosts) Object.assign(this.handlers, this.hosts.handlers);
    this.sandbox = new SandboxLauncher({
      ...options.sandbox,
      onExit: (code, signal) =>
        this.setSandboxStatus({
          ...this.sandboxStatus,
          state: 'failed',
          error: `The sandbox stopped unexpectedly (${code ?? signal}). Start it again.`,
        }),
    });
  }

  /** Connects to the cluster that was active last time, if any. */
  async start(): Promise<void> {
    const { activeId } = await this.options.store.list();
    if (activeId) await this.activate(activeId).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.closeSession();
    await this.sandbox.stop();
  }

  readonly handlers: InvokeHandlers = {
    'console:info': () => Promise.resolve(this.options.info),
    'clusters:list': () => this.options.store.list(),
    'clusters:test': async (input) => {
      const { balancerUrl, nodes, version, leader, readOnly } = await testConnection(input);
      return { balancerUrl, nodes, version, leader, readOnly };
    },
    'clusters:add': async (input) => {
      if (!input.name.trim()) throw new UserError('Give the cluster a name, e.g. "Production".');
      const tested = await testConnection(input);
      const cluster = await this.options.store.add({
        name: input.name,
        balancerUrl: tested.balancerUrl,
        apiKey: input.apiKey.trim(),
        kind: 'remote',
        nodeUrls: tested.nodeUrls,
      });
      await this.activate(cluster.id);
      return cluster;
    },
    'clusters:update': async (id, patch) => {
      const before = await this.options.store.get(id);
      const changesConnection =
        Boolean(patch.apiKey) || (patch.balancerUrl && patch.balancerUrl !== before.balancerUrl);
      if (changesConnection) {
        await testConnection({
          balancerUrl: patch.balancerUrl || before.balancerUrl,
          apiKey: patch.apiKey || (await this.options.store.apiKey(id)),
        });
      }
      const cluster = await this.options.store.update(id, patch);
      await this.pushClusters();
      if (changesConnection && this.session?.cluster.id === id) await this.activate(id);
      return cluster;
    },
    'clusters:remove': async (id) => {
      if (this.session?.cluster.id === id) await this.closeSession();
      await this.hosts?.forgetCluster(id);
      const clusters = await this.options.store.remove(id);
      if (clusters.activeId) await this.activate(clusters.activeId).catch(() => undefined);
      await this.pushClusters();
      return clusters;
    },
    'clusters:select': async (id) => {
      await this.activate(id);
      return this.options.store.list();
    },
    'sandbox:start': () => this.startSandbox(),
    'sandbox:stop': async () => {
      this.setSandboxStatus({ ...this.sandboxStatus, state: 'stopping' });
      if (this.session?.cluster.id === this.sandboxStatus.clusterId) await this.closeSession();
      await this.sandbox.stop();
      return this.setSandboxStatus({ ...this.sandboxStatus, state: 'stopped', nodes: [], error: null });
    },
    'sandbox:status': () => Promise.resolve(this.sandboxStatus),
    'cluster:snapshot': () => Promise.resolve(this.session?.monitor.snapshot() ?? null),
    'cluster:setPaused': (paused) => this.act((s) => s.api.setPaused(paused)),
    'metrics:history': () => Promise.resolve(this.session?.monitor.history() ?? []),
    'events:recent': () => Promise.resolve(this.session?.monitor.recentEvents() ?? []),
    'nodes:setDrain': (name, drain) => this.act((s) => s.api.setDrain(name, drain)),
    'nodes:setTaskCap': (name, taskCap) => {
      if (!Number.isInteger(taskCap) || taskCap < 0 || taskCap > 1000) {
        return Promise.reject(new UserError('The task cap is a whole number from 0 (no tasks) to 1000.'));
      }
      return this.act((s) => s.api.setTaskCap(name, taskCap));
    },
    'nodes:remove': (name) => this.act((s) => s.api.deleteNode(name)),
    'tasks:list': (filter) =>
      this.act((s) => s.api.listTasks({ ...filter, limit: filter.limit ?? 200 }), false),
    'tasks:get': (id) => this.act((s) => s.api.getTask(id), false),
    'tasks:create': (task) => this.act((s) => s.api.createTask(task)),
    'tasks:cancel': (id) => this.act(async (s) => (await s.api.cancelTask(id)).task),
    'tasks:retry': (id) => this.act((s) => s.api.retryTask(id)),
    'tasks:log': (id) => this.act((s) => s.api.taskLog(id), false),
    'tasks:followLog': (id) => this.followLog(id),
    'tasks:unfollowLog': (id) => {
      this.session?.followers.get(id)?.stop();
      this.session?.followers.delete(id);
      return Promise.resolve(null);
    },
    'balancer:stats': () => Promise.resolve(this.session?.monitor.snapshot().balancer ?? null),
    'balancer:setServerState': (name, state) =>
      this.act((s) => {
        if (s.balancer.kind === 'builtin') return s.api.setBalancerServerState(name, state);
        this.requireAdmin(s);
        return setHaproxyServerState(s.balancer, name, state);
      }),
    'balancer:getSettings': () =>
      this.act((s) => Promise.resolve(s.cluster.balancer ?? { kind: 'builtin' as const }), false),
    'balancer:setSettings': (input) => this.setBalancerSettings(input),
    // Replaced by the hosts service's handlers in the constructor when the console has one.
    ...unavailableHosts(),
  };

  private createHosts(): HostsService | null {
    const { options } = this;
    return options.hosts
      ? new HostsService({
          ...options.hosts,
          version: options.info.version,
          push: options.push,
          active: () => {
            const session = this.requireSession();
            return {
              entry: session.cluster,
              http: session.api.http,
              role: session.monitor.snapshot().connection.role,
            };
          },
          sandbox: () =>
            this.sandboxInfo && this.sandboxStatus.clusterId && this.sandboxStatus.state === 'running'
              ? {
                  clusterId: this.sandboxStatus.clusterId,
                  dbUrl: this.sandboxInfo.dbUrl,
                  dir: options.sandbox.dir,
                }
              : null,
        })
      : null;
  }

  private requireSession(): Session {
    if (!this.session)
      throw new UserError('No cluster is selected. Add a cluster or start the local sandbox.');
    return this.session;
  }

  /** HAProxy's Runtime API does not know the cluster's users: the console checks the key's role itself. */
  private requireAdmin(session: Session): Session {
    const { role } = session.monitor.snapshot().connection;
    if (role !== 'administrator')
      throw new UserError(
        `The balancer's settings and server states need an administrator API key; this cluster's key has the ${role} role.`,
      );
    return session;
  }

  /** Runs a request against the active cluster; a change is followed by an immediate sample. */
  private async act<T>(run: (session: Session) => Promise<T>, changes = true): Promise<T> {
    const session = this.requireSession();
    const result = await run(session);
    if (changes) session.monitor.refreshSoon();
    return result;
  }

  /** Saves the active cluster's balancer setting once its stats can be read with it, then reconnects. */
  private async setBalancerSettings(input: BalancerSettingsInputDto): Promise<BalancerSettingsDto> {
    const { cluster } = this.requireAdmin(this.requireSession());
    const settings = balancerSettings(input);
    const haproxy = haproxyFromSettings(settings);
    if (haproxy) {
      const { error } = await readBalancerStats(haproxyNodeBalancer(haproxy));
      if (error) {
        throw new UserError(
          `${error} Check that HAProxy runs on this machine with that admin socket and that the console may open it. Nothing was saved.`,
        );
      }
    }
    await this.options.store.update(cluster.id, { balancer: settings });
    await this.activate(cluster.id);
    return settings;
  }

  private followLog(id: string): Promise<null> {
    const session = this.session;
    if (!session) return Promise.reject(new UserError('No cluster is selected.'));
    if (session.followers.has(id)) return Promise.resolve(null);
    const clusterId = session.cluster.id;
    const follower = new TaskLogFollower({
      api: session.api,
      taskId: id,
      onText: (text) => this.options.push('tasks:logChunk', { clusterId, taskId: id, text, done: false }),
      onEnd: (error) => {
        session.followers.delete(id);
        const text = error ? `\n[console] log stream ended: ${error.message}\n` : '';
        this.options.push('tasks:logChunk', { clusterId, taskId: id, text, done: error === null });
      },
    });
    session.followers.set(id, follower);
    follower.start();
    return Promise.resolve(null);
  }

  private async startSandbox(): Promise<SandboxStatusDto> {
    if (this.sandboxStatus.state === 'starting' || this.sandboxStatus.state === 'running') {
      return this.sandboxStatus;
    }
    this.setSandboxStatus({ ...this.sandboxStatus, state: 'starting', error: null });
    try {
      const info = await this.sandbox.start();
      this.sandboxInfo = info;
      const { clusters } = await this.options.store.list();
      const existing = clusters.find((cluster) => cluster.kind === 'sandbox');
      const nodeUrls = info.nodes.map((node) => node.url);
      const cluster = existing
        ? await this.options.store.update(existing.id, {
            balancerUrl: info.balancerUrl,
            apiKey: info.apiKey,
            nodeUrls,
          })
        : await this.options.store.add({
            name: uniqueName(SANDBOX_NAME, clusters),
            balancerUrl: info.balancerUrl,
            apiKey: info.apiKey,
            kind: 'sandbox',
            nodeUrls,
          });
      this.setSandboxStatus({
        state: 'running',
        clusterId: cluster.id,
        balancerUrl: info.balancerUrl,
        nodes: info.nodes,
        error: null,
      });
      await this.activate(cluster.id);
      return this.sandboxStatus;
    } catch (error) {
      this.setSandboxStatus({ ...this.sandboxStatus, state: 'failed', error: (error as Error).message });
      throw error;
    }
  }

  private setSandboxStatus(status: SandboxStatusDto): SandboxStatusDto {
    this.sandboxStatus = status;
    this.options.push('sandbox:status', status);
    return status;
  }

  /** Makes a saved cluster the active one: one at a time, in order, so fast clicking cannot leave two monitors. */
  private activate(id: string): Promise<void> {
    const next = this.switching.then(async () => {
      const cluster = await this.options.store.get(id);
      const apiKey = await this.options.store.apiKey(id);
      await this.options.store.select(id);
      await this.closeSession();
      const http = new ClusterHttp({ balancerUrl: cluster.balancerUrl, apiKey, nodeUrls: cluster.nodeUrls });
      const api = new ClusterApi(http);
      const haproxy = haproxyFromSettings(cluster.balancer);
      const balancer = haproxy ? haproxyNodeBalancer(haproxy) : builtinBalancer(http);
      const monitor = new ClusterMonitor({
        clusterId: id,
        api,
        balancer,
        sampleMs: this.options.sampleMs,
        onSnapshot: (snapshot) => this.options.push('cluster:snapshot', snapshot),
        onEvent: (event) => this.options.push('cluster:event', { clusterId: id, event }),
        onNodeUrls: (nodeUrls) => void this.options.store.update(id, { nodeUrls }).catch(() => undefined),
      });
      this.session = { cluster, api, monitor, balancer, followers: new Map() };
      monitor.start();
      await this.pushClusters();
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    for (const follower of session.followers.values()) follower.stop();
    await session.monitor.stop();
  }

  private async pushClusters(): Promise<void> {
    this.options.push('clusters:changed', await this.options.store.list());
  }
}

function unavailableHosts(): HostsHandlers {
  const refuse = () =>
    Promise.reject(new UserError('Hosts and provisioning are not available in this console.'));
  return {
    'hosts:list': refuse,
    'hosts:probe': refuse,
    'hosts:add': refuse,
    'hosts:confirmKey': refuse,
    'hosts:remove': refuse,
    'hosts:provision': refuse,
    'hosts:restart': refuse,
    'hosts:rollingRestart': refuse,
    'hosts:removeNode': refuse,
    'hosts:replace': refuse,
    'hosts:actions': refuse,
    'hosts:settings': refuse,
    'hosts:saveSettings': refuse,
  };
}

/** Sets a server's admin state in HAProxy and returns the server as HAProxy then reports it. */
async function setHaproxyServerState(
  balancer: NodeBalancer,
  name: string,
  state: BalancerAdminState,
): Promise<BalancerServerDto> {
  await balancer.setState(name, state);
  const stats = await balancer.stats();
  const server = stats?.servers.find((candidate) => candidate.name === name);
  if (!server) throw new UserError(`HAProxy has no server named ${name} in backend ${stats?.backend}.`);
  return server;
}

function uniqueName(base: string, clusters: ClusterEntryDto[]): string {
  const names = new Set(clusters.map((cluster) => cluster.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} ${i}`)) return `${base} ${i}`;
}
