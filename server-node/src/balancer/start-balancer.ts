import type { Logger } from 'pino';
import { connectOrExplain, createPool } from '../db/pool.js';
import { NotificationListener } from '../node/notification-listener.js';
import { UserError } from '../user-error.js';
import { BalancerMembers } from './balancer-members.js';
import { BalancerServer } from './balancer-server.js';
import type { HealthCheckOptions } from './health-checker.js';

export interface BalancerOptions {
  dbUrl: string;
  /** For LISTEN, when `dbUrl` goes through a pooler in transaction mode (the node's `dbSessionUrl`). */
  dbSessionUrl?: string | undefined;
  host: string;
  port: number;
  log: Logger;
  healthCheck?: HealthCheckOptions;
}

export interface RunningBalancer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the built-in balancer: reads the members from the cluster database, starts their health
 * checks, then listens. Whatever was started is stopped again if a later step fails.
 */
export async function startBalancer(options: BalancerOptions): Promise<RunningBalancer> {
  const { dbUrl, dbSessionUrl, host, port, log } = options;
  const pool = createPool(dbUrl, { max: 4, log, pooled: dbSessionUrl !== undefined });
  const listener = new NotificationListener(dbSessionUrl ?? dbUrl, log);
  const members = new BalancerMembers(pool, listener, log, options.healthCheck);
  const server = new BalancerServer(members, pool, log);
  const stop = async () => {
    await members.stop();
    await listener.stop();
    await pool.end();
  };
  try {
    await connectOrExplain(pool, dbUrl);
    await members.start().catch((error: unknown) => {
      if ((error as { code?: string }).code === '42P01') {
        throw new UserError(
          'The database holds no Flotilla cluster yet. Create one with flotilla-node init.',
        );
      }
      throw error;
    });
    await listener.start();
    await listener.verify(pool);
    await server.listen(host, port);
  } catch (error) {
    await stop();
    throw error;
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${server.port}`;
  log.info({ url, members: members.list().map((member) => member.name) }, 'balancer listening');
  return {
    url,
    stop: async () => {
      await server.close();
      await stop();
    },
  };
}
