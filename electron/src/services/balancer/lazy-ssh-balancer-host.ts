import { SshConnectionLostError, type SshConnection } from '../ssh/index.js';
import type { BalancerHost, HostCommandResult } from './balancer-host.js';
import { SshBalancerHost } from './ssh-balancer-host.js';

/**
 * HAProxy on a host of the Hosts view, for as long as a cluster uses it: one SSH connection opened on
 * first use (the host key pinned), shared by every call, opened again after it dropped, and closed when
 * nothing used it for `idleMs` (the Load balancer view reads the stats every second, so it stays open
 * while the view is watched).
 */
export class LazySshBalancerHost implements BalancerHost {
  private connection: Promise<SshConnection> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly open: () => Promise<SshConnection>,
    /** The host's address, for messages until a connection says `user@host:port`. */
    readonly description: string,
    private readonly idleMs = 30_000,
  ) {}

  askSocket(socketPath: string, line: string): Promise<string> {
    return this.use((host) => host.askSocket(socketPath, line));
  }

  run(argv: readonly string[]): Promise<HostCommandResult> {
    return this.use((host) => host.run(argv));
  }

  readFile(file: string): Promise<string> {
    return this.use((host) => host.readFile(file));
  }

  writeFile(file: string, text: string): Promise<void> {
    return this.use((host) => host.writeFile(file, text));
  }

  rename(from: string, to: string): Promise<void> {
    return this.use((host) => host.rename(from, to));
  }

  removeFile(file: string): Promise<void> {
    return this.use((host) => host.removeFile(file));
  }

  /** Closes the connection now (a changed setting, a closed session). */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.then((ssh) => ssh.close()).catch(() => undefined);
  }

  private async use<T>(work: (host: SshBalancerHost) => Promise<T>): Promise<T> {
    const opening = (this.connection ??= this.open());
    let ssh: SshConnection;
    try {
      ssh = await opening;
    } catch (error) {
      if (this.connection === opening) this.connection = null;
      throw error;
    }
    this.keepFor(this.idleMs);
    try {
      return await work(new SshBalancerHost(ssh));
    } catch (error) {
      // A dropped connection is opened again by the next call; the error still reaches this one.
      if (error instanceof SshConnectionLostError && this.connection === opening) {
        this.connection = null;
        void ssh.close().catch(() => undefined);
      }
      throw error;
    }
  }

  private keepFor(ms: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), ms);
    this.idleTimer.unref();
  }
}
