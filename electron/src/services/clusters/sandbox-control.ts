import type { Push, SandboxStatusDto } from '../../common/contract.js';
import { PUSH } from '../../common/contract.js';
import type { SandboxAccess } from '../hosts/index.js';
import { SandboxLauncher, type SandboxInfo, type SandboxLaunchOptions } from '../sandbox/sandbox-launcher.js';
import type { ActiveSession } from './active-session.js';
import { uniqueClusterName, type ClusterStore } from './cluster-store.js';

export interface SandboxControlOptions {
  store: ClusterStore;
  push: Push;
  session: ActiveSession;
  launch: Omit<SandboxLaunchOptions, 'onExit'>;
}

const SANDBOX_NAME = 'Local sandbox';

/** The console's one-click local sandbox: started, saved as a cluster entry and selected; stopped with it. */
export class SandboxControl {
  private readonly launcher: SandboxLauncher;
  private info: SandboxInfo | null = null;
  private current: SandboxStatusDto = {
    state: 'stopped',
    clusterId: null,
    balancerUrl: null,
    nodes: [],
    error: null,
  };

  constructor(private readonly options: SandboxControlOptions) {
    this.launcher = new SandboxLauncher({
      ...options.launch,
      onExit: (code, signal) =>
        this.setStatus({
          ...this.current,
          state: 'failed',
          error: `The sandbox stopped unexpectedly (${code ?? signal}). Start it again.`,
        }),
    });
  }

  get status(): SandboxStatusDto {
    return this.current;
  }

  /** What provisioning needs to join nodes to the running sandbox: its database and its folder. */
  access(): SandboxAccess | null {
    return this.info && this.current.clusterId && this.current.state === 'running'
      ? { clusterId: this.current.clusterId, dbUrl: this.info.dbUrl, dir: this.options.launch.dir }
      : null;
  }

  async start(): Promise<SandboxStatusDto> {
    if (this.current.state === 'starting' || this.current.state === 'running') return this.current;
    const { store, session } = this.options;
    this.setStatus({ ...this.current, state: 'starting', error: null });
    try {
      const info = await this.launcher.start();
      this.info = info;
      const { clusters } = await store.list();
      const existing = clusters.find((cluster) => cluster.kind === 'sandbox');
      const nodeUrls = info.nodes.map((node) => node.url);
      const cluster = existing
        ? await store.update(existing.id, { balancerUrl: info.balancerUrl, apiKey: info.apiKey, nodeUrls })
        : await store.add({
            name: uniqueClusterName(SANDBOX_NAME, clusters),
            balancerUrl: info.balancerUrl,
            apiKey: info.apiKey,
            kind: 'sandbox',
            nodeUrls,
          });
      this.setStatus({
        state: 'running',
        clusterId: cluster.id,
        balancerUrl: info.balancerUrl,
        nodes: info.nodes,
        error: null,
      });
      await session.activate(cluster.id);
      return this.current;
    } catch (error) {
      this.setStatus({ ...this.current, state: 'failed', error: (error as Error).message });
      throw error;
    }
  }

  async stop(): Promise<SandboxStatusDto> {
    const { session } = this.options;
    this.setStatus({ ...this.current, state: 'stopping' });
    if (session.current?.cluster.id === this.current.clusterId) await session.close();
    await this.launcher.stop();
    return this.setStatus({ ...this.current, state: 'stopped', nodes: [], error: null });
  }

  /** Lets go of the sandbox process when the console quits, whatever state it is in. */
  shutdown(): Promise<void> {
    return this.launcher.stop();
  }

  private setStatus(status: SandboxStatusDto): SandboxStatusDto {
    this.current = status;
    this.options.push(PUSH.sandbox.status, status);
    return status;
  }
}
