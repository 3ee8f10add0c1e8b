import type { ClusterEntryDto, Push } from '../../common/contract.js';
import { PUSH } from '../../common/contract.js';
import { deniedReason, type ConsoleAction } from '../../common/permissions.js';
import { UserError } from '../../common/user-error.js';
import { haproxyFromSettings, type InventoryHostOpener } from '../balancer/haproxy-from-settings.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { ClusterHttp } from '../cluster-client/cluster-http.js';
import { ClusterMonitor } from '../cluster-client/cluster-monitor.js';
import type { LogFollower } from '../cluster-client/log-follower.js';
import { builtinBalancer, haproxyNodeBalancer, type NodeBalancer } from '../provisioning/index.js';
import type { ClusterStore } from './cluster-store.js';

/** The cluster the console works on: its client, its monitor, its balancer and the task logs it follows. */
export interface ClusterSession {
  cluster: ClusterEntryDto;
  api: ClusterApi;
  monitor: ClusterMonitor;
  /** The built-in balancer, or HAProxy when the cluster's balancer setting names one. */
  balancer: NodeBalancer;
  /** The logs the UI follows: a task's by its id, a node's as `node:<name>`. */
  followers: Map<string, LogFollower>;
}

export interface ActiveSessionOptions {
  store: ClusterStore;
  push: Push;
  /** How often the active cluster is sampled (tests slow it down or speed it up). */
  sampleMs?: number;
  /** Signs in to a host of a cluster's inventory, for an HAProxy that runs there. */
  openHost?: (clusterId: string) => InventoryHostOpener;
}

/** The active cluster: one at a time, switched in order, so fast clicking cannot leave two monitors running. */
export class ActiveSession {
  private session: ClusterSession | null = null;
  private switching: Promise<void> = Promise.resolve();

  constructor(private readonly options: ActiveSessionOptions) {}

  get current(): ClusterSession | null {
    return this.session;
  }

  require(): ClusterSession {
    if (!this.session)
      throw new UserError('No cluster is selected. Add a cluster or start the local sandbox.');
    return this.session;
  }

  /**
   * For what the cluster itself cannot check (HAProxy's Runtime API does not know the cluster's
   * users; balancer settings live in the console): the key's role, asked of the cluster when not
   * yet known, against the one permissions table.
   */
  async requireRole(session: ClusterSession, action: ConsoleAction): Promise<ClusterSession> {
    const denied = deniedReason(await session.monitor.role(), action);
    if (denied) throw new UserError(denied);
    return session;
  }

  /** Runs a request against the active cluster; a change is followed by an immediate sample. */
  async act<T>(run: (session: ClusterSession) => Promise<T>, changes = true): Promise<T> {
    const session = this.require();
    const result = await run(session);
    if (changes) session.monitor.refreshSoon();
    return result;
  }

  /** Makes a saved cluster the active one and starts watching it. */
  activate(id: string): Promise<void> {
    const { store, push, sampleMs } = this.options;
    const next = this.switching.then(async () => {
      const cluster = await store.get(id);
      const apiKey = await store.apiKey(id);
      await store.select(id);
      await this.close();
      const http = new ClusterHttp({ balancerUrl: cluster.balancerUrl, apiKey, nodeUrls: cluster.nodeUrls });
      const haproxy = haproxyFromSettings(cluster.balancer, this.options.openHost?.(id));
      const balancer = haproxy ? haproxyNodeBalancer(haproxy) : builtinBalancer(http);
      const api = new ClusterApi(http);
      const monitor = new ClusterMonitor({
        clusterId: id,
        api,
        balancer,
        sampleMs,
        onSnapshot: (snapshot) => push(PUSH.clusters.snapshot, snapshot),
        onEvent: (event) => push(PUSH.clusters.event, { clusterId: id, event }),
        onNodeUrls: (nodeUrls) => void store.update(id, { nodeUrls }).catch(() => undefined),
      });
      this.session = { cluster, api, monitor, balancer, followers: new Map() };
      monitor.start();
      await this.pushClusters();
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    for (const follower of session.followers.values()) follower.stop();
    await session.monitor.stop();
  }

  async pushClusters(): Promise<void> {
    this.options.push(PUSH.clusters.changed, await this.options.store.list());
  }
}
