import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { redactUrl } from '../db/pool.js';
import type { Db } from '../sql/db.js';
import { UserError } from '../user-error.js';

export type Channel = 'flotilla_tasks' | 'flotilla_nodes' | 'flotilla_cancel';
/** The listener's own check that notifications reach it (verify). */
const PROBE_CHANNEL = 'flotilla_probe';
const CHANNELS = ['flotilla_tasks', 'flotilla_nodes', 'flotilla_cancel', PROBE_CHANNEL];
/** How long a probe notification may take to arrive before the listener's URL is called broken. */
const VERIFY_MS = 3000;

/**
 * One dedicated connection LISTENing on the cluster's channels. It reconnects on its own; after a
 * reconnect every handler is called once, because notifications sent while it was away are lost
 * (the pollers are the backstop, this just makes recovery immediate).
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly handlers = new Map<Channel, ((payload: string) => void)[]>();
  private readonly probes = new Map<string, () => void>();

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

  /**
   * Proves notifications reach this listener: one sent through `pool` must arrive within 3 s. Through a
   * connection pooler in transaction mode LISTEN is accepted and then nothing arrives; without this
   * check a node would run on its pollers alone, late on everything, and nobody would know why.
   */
  async verify(pool: Db): Promise<void> {
    const nonce = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.probes.set(nonce, () => resolve(true));
      timer = setTimeout(() => resolve(false), VERIFY_MS);
    });
    try {
      await pool.query(`select pg_notify('${PROBE_CHANNEL}', $1)`, [nonce]);
      if (await arrived) return;
    } finally {
      clearTimeout(timer);
      this.probes.delete(nonce);
    }
    throw new UserError(
      `Notifications do not reach this node's LISTEN connection (${redactUrl(this.url)}): one sent through ` +
        `the database did not arrive within ${VERIFY_MS / 1000} s. If the database URL goes through a ` +
        `connection pooler in transaction mode (PgBouncer), set dbSessionUrl in flotilla.json (or init ` +
        `--db-session-url) to a URL that reaches PostgreSQL directly or through a session-mode pool.`,
    );
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
      if (message.channel === PROBE_CHANNEL) return this.probes.get(message.payload ?? '')?.();
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
