import type { BalancerAdminState, BalancerStatsDto } from '@flotilla/server-node/api';
import type { BalancerHost } from './balancer-host.js';
import { SERVER_HEALTH_OPTIONS } from './haproxy-config.js';
import { assertBalancerMember, type BalancerMember } from './balancer-member.js';
import { toBalancerStats } from './haproxy-stats.js';

/** HAProxy answered a Runtime API command with an error (its own words in the message). */
export class HaproxyRuntimeError extends Error {
  override name = 'HaproxyRuntimeError';
}

/**
 * HAProxy's Runtime API (the admin-level `stats socket`) on a balancer host. Commands that succeed
 * silently answer nothing; any text they answer is HAProxy's error.
 */
export class HaproxyRuntime {
  constructor(
    private readonly host: BalancerHost,
    readonly socketPath: string,
  ) {}

  /** Sends one command line (several commands may be joined with `;`) and returns the answer. */
  command(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) throw new Error('a Runtime API command is one line');
    return this.host.askSocket(this.socketPath, line);
  }

  async stats(backend: string): Promise<BalancerStatsDto> {
    assertName(backend);
    const [stat, state] = await Promise.all([
      // 4 = servers only, -1 = all of them
      this.command(`show stat ${backend} 4 -1`),
      this.command(`show servers state ${backend}`),
    ]);
    if (!stat.startsWith('# ')) throw new HaproxyRuntimeError(`show stat ${backend}: ${stat.trim()}`);
    return toBalancerStats(backend, stat, state);
  }

  /** The raw `show servers state` dump, which `server-state-file` reads back at a reload. */
  async serversState(): Promise<string> {
    const state = await this.command('show servers state');
    if (!/^\d+\n/.test(state)) throw new HaproxyRuntimeError(`show servers state: ${state.trim()}`);
    return state;
  }

  async setServerState(backend: string, server: string, state: BalancerAdminState): Promise<void> {
    assertName(backend, server);
    await this.silent(`set server ${backend}/${server} state ${state}`);
  }

  /**
   * Adds a server and puts it in rotation. A runtime server starts in maintenance with checks off, and
   * once enabled HAProxy would count it as up before its first check: forcing its health down first
   * means it takes users only after `rise` passing checks of its ping.
   */
  async addServer(backend: string, server: BalancerMember): Promise<void> {
    assertName(backend);
    assertBalancerMember(server);
    const id = `${backend}/${server.name}`;
    const added = await this.command(`add server ${id} ${server.address} check ${SERVER_HEALTH_OPTIONS}`);
    if (!added.includes('New server registered'))
      throw new HaproxyRuntimeError(`add server ${id}: ${added.trim()}`);
    await this.silent(`enable health ${id}; enable server ${id}; set server ${id} health down`);
  }

  /**
   * Takes a server out for good. HAProxy deletes only a server in maintenance with no connections, so
   * this puts it in maintenance, ends its sessions (clients reconnect through the balancer to another
   * node), and retries while idle keep-alive connections are being closed.
   */
  async deleteServer(backend: string, server: string, timeoutMs = 15_000): Promise<void> {
    assertName(backend, server);
    const id = `${backend}/${server}`;
    await this.silent(`set server ${id} state maint; shutdown sessions server ${id}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = (await this.command(`del server ${id}`)).trim();
      if (answer.startsWith('Server deleted')) return;
      if (!answer.includes('still has connections') || Date.now() > deadline) {
        throw new HaproxyRuntimeError(`del server ${id}: ${answer}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async silent(line: string): Promise<void> {
    const answer = (await this.command(line)).trim();
    if (answer) throw new HaproxyRuntimeError(`${line}: ${answer}`);
  }
}

function assertName(...names: string[]): void {
  for (const name of names) {
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      throw new Error(`"${name}" is not an HAProxy backend or server name.`);
  }
}
