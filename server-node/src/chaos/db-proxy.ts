import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can cut. Cutting black-holes traffic (as a network
 * partition does: nothing arrives, nothing is refused) on open connections and new ones alike;
 * restoring drops the stuck connections, so clients reconnect through a working path.
 */
export class DbProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private cut = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.cut) {
        client.on('error', () => undefined);
        this.pairs.add({ client, upstream: new net.Socket() });
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      const pair = { client, upstream };
      this.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk) => {
          if (!this.cut) to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Rewrites a PostgreSQL URL to go through this proxy. */
  wrap(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  partition(): void {
    this.cut = true;
  }

  heal(): void {
    this.cut = false;
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /**
   * Sends new connections to another server (a standby just promoted) and drops the open ones, as a
   * virtual IP moving to another host does: clients reconnect and reach the new server.
   */
  switchTo(port: number): void {
    this.targetPort = port;
    this.heal();
  }

  async stop(): Promise<void> {
    this.heal();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
