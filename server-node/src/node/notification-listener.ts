import pg from 'pg';
import type { Logger } from 'pino';

export type Channel = 'flotilla_tasks' | 'flotilla_nodes' | 'flotilla_cancel';
const CHANNELS: Channel[] = ['flotilla_tasks', 'flotilla_nodes', 'flotilla_cancel'];

/**
 * One dedicated connection LISTENing on the cluster's channels. It reconnects on its own; after a
 * reconnect every handler is called once, because notifications sent while it was away are lost
 * (the pollers are the backstop, this just makes recovery immediate).
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly handlers = new Map<Channel, ((payload: string) => void)[]>();

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  on(channel: Channel, handler: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
    });
    client.on('error', (error) => {
      this.log.warn({ err: error.message }, 'notification connection failed');
      this.reconnectSoon(client);
    });
    client.on('end', () => this.reconnectSoon(client));
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel as Channel) ?? [])
        handler(message.payload ?? '');
    });
    await client.connect();
    for (const channel of CHANNELS) await client.query(`listen ${channel}`);
    this.client = client;
  }

  private reconnectSoon(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return;
    this.client = null;
    failed.end().catch(() => undefined);
    const retry = async () => {
      if (this.stopped) return;
      try {
        await this.connect();
        this.log.info('notification connection restored');
        for (const handlers of this.handlers.values()) for (const handler of handlers) handler('');
      } catch {
        setTimeout(() => void retry(), 500).unref();
      }
    };
    setTimeout(() => void retry(), 200).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
