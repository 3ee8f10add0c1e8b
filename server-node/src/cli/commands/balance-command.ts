import { startBalancer } from '../../balancer/start-balancer.js';
import { readNodeConfig } from '../../config/node-config.js';
import { createLogger } from '../../logger.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { hostPortOption, parseCommandArgs } from '../args.js';

export const balanceSpec: CommandSpec = {
  name: 'balance',
  summary:
    'Run the built-in load balancer for the sandbox or a single host: it sends users to the healthy nodes of\n' +
    'the cluster in the database of the node at --home, and follows nodes as they come and go.\n' +
    'Its stats and per-node ready/drain/maint live under /_balancer/ (API key needed). Stops on SIGINT/SIGTERM.',
  options: {
    listen: { type: 'string', required: true, help: 'HOST:PORT to serve users on, e.g. 0.0.0.0:8300' },
    home: { type: 'string', required: true, help: "a node home directory (for the cluster's database URL)" },
  },
};

export async function balanceCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(balanceSpec, argv);
  if (!args) return 0;
  const listen = hostPortOption(args.listen as string, 'listen');
  const config = await readNodeConfig(args.home as string);
  const log = createLogger('balancer');
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const balancer = await startBalancer({
    dbUrl: config.dbUrl,
    dbSessionUrl: config.dbSessionUrl,
    ...listen,
    log,
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UserError(
        `Port ${listen.port} on ${listen.host} is taken. Stop whatever uses it or pass another --listen.`,
      );
    }
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UserError(
        `Cannot listen on ${args.listen as string} (${code}): use a port above 1023 and an address of this machine.`,
      );
    }
    throw error;
  });
  const signal = await stopRequested;
  log.info({ signal }, 'shutting down');
  await balancer.stop();
  log.info('balancer stopped');
  return 0;
}
