import type { BalancerAdminState, BalancerStatsDto } from '@flotilla/server-node/api';
import type { BalancerHost } from './balancer-host.js';
import { DEFAULT_BACKEND } from './haproxy-config.js';
import { HaproxyMaster, type HaproxyReloadResult } from './haproxy-master.js';
import { HaproxyRuntime } from './haproxy-runtime.js';
import { readHaproxyServers, withHaproxyServers } from './haproxy-server-block.js';
import type { BalancerMember } from './balancer-member.js';

export interface HaproxyBalancerOptions {
  /** This machine or a remote host over SSH. */
  host: BalancerHost;
  configFile: string;
  /** The admin-level `stats socket` of the configuration. */
  runtimeSocket: string;
  /** The master CLI socket (`-S`). */
  masterSocket: string;
  /** The `server-state-file` of the configuration. */
  stateFile: string;
  backend?: string;
  /** The haproxy program on the host. */
  haproxyBinary?: string;
}

/** `haproxy -c` refused a configuration; `output` is what it said. Nothing was applied. */
export class HaproxyConfigInvalidError extends Error {
  override name = 'HaproxyConfigInvalidError';
  constructor(
    host: string,
    readonly output: string,
  ) {
    super(`HAProxy on ${host} refused the configuration, so it was not applied:\n${output}`);
  }
}

export interface HaproxyValidation {
  valid: boolean;
  /** haproxy -c's alerts and warnings (its notices and summary left out). */
  output: string;
}

/**
 * The console's handle on one HAProxy: live state and control through the Runtime API, and changes to
 * haproxy.cfg that are validated before they are written and applied by a reload that drops nothing.
 */
export class HaproxyBalancer {
  readonly runtime: HaproxyRuntime;
  readonly master: HaproxyMaster;
  readonly backend: string;

  constructor(private readonly options: HaproxyBalancerOptions) {
    this.runtime = new HaproxyRuntime(options.host, options.runtimeSocket);
    this.master = new HaproxyMaster(options.host, options.masterSocket);
    this.backend = options.backend ?? DEFAULT_BACKEND;
  }

  stats(): Promise<BalancerStatsDto> {
    return this.runtime.stats(this.backend);
  }

  setServerState(server: string, state: BalancerAdminState): Promise<void> {
    return this.runtime.setServerState(this.backend, server, state);
  }

  /** The servers haproxy.cfg lists (what a reload would bring up). */
  async configuredServers(): Promise<BalancerMember[]> {
    return readHaproxyServers(await this.options.host.readFile(this.options.configFile));
  }

  /** Checks a configuration with `haproxy -c` on the balancer host, without applying it. */
  async validate(config: string): Promise<HaproxyValidation> {
    const candidate = this.candidateFile();
    await this.options.host.writeFile(candidate, config);
    try {
      return await this.check(candidate);
    } finally {
      await this.options.host.removeFile(candidate);
    }
  }

  /** Validates, writes and reloads. An invalid configuration is never written: it throws with haproxy's words. */
  async applyConfig(config: string): Promise<HaproxyReloadResult> {
    await this.commit(config, () => Promise.resolve());
    return this.reload();
  }

  /**
   * Reloads HAProxy from haproxy.cfg. The servers' states are saved first so drained and maintained
   * nodes stay that way in the new worker.
   */
  async reload(): Promise<HaproxyReloadResult> {
    await this.options.host.writeFile(this.options.stateFile, await this.runtime.serversState());
    return this.master.reload();
  }

  /** Adds a node: live through the Runtime API, and to haproxy.cfg so a reload keeps it. */
  async addServer(server: BalancerMember): Promise<void> {
    const config = await this.options.host.readFile(this.options.configFile);
    const servers = readHaproxyServers(config);
    if (servers.some((existing) => existing.name === server.name)) {
      throw new Error(`HAProxy already has a server named ${server.name}.`);
    }
    await this.commit(withHaproxyServers(config, [...servers, server]), () =>
      this.runtime.addServer(this.backend, server),
    );
  }

  /** Removes a node: live (ending its sessions) and from haproxy.cfg. */
  async removeServer(name: string): Promise<void> {
    const config = await this.options.host.readFile(this.options.configFile);
    const servers = readHaproxyServers(config);
    await this.commit(
      withHaproxyServers(
        config,
        servers.filter((server) => server.name !== name),
      ),
      () => this.runtime.deleteServer(this.backend, name),
    );
  }

  /**
   * Writes `config` aside, validates it, runs `live` (the Runtime API change), and only then moves the
   * file into place: a refused configuration or a failed live change leaves haproxy.cfg as it was.
   */
  private async commit(config: string, live: () => Promise<void>): Promise<void> {
    const { host, configFile } = this.options;
    const candidate = this.candidateFile();
    await host.writeFile(candidate, config);
    try {
      const validation = await this.check(candidate);
      if (!validation.valid) throw new HaproxyConfigInvalidError(host.description, validation.output);
      await live();
      await host.rename(candidate, configFile);
    } finally {
      await host.removeFile(candidate);
    }
  }

  private async check(file: string): Promise<HaproxyValidation> {
    const result = await this.options.host.run([this.options.haproxyBinary ?? 'haproxy', '-c', '-f', file]);
    const all = `${result.stdout}\n${result.stderr}`.trim();
    const said = all
      .split('\n')
      .filter((line) => /^\[(ALERT|WARNING)\]/.test(line))
      .join('\n');
    const output = said || (result.code === 0 ? '' : all);
    return { valid: result.code === 0, output };
  }

  /** Next to haproxy.cfg, so the final rename is atomic. */
  private candidateFile(): string {
    return `${this.options.configFile}.flotilla-new`;
  }
}
