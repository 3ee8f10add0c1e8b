import { readNodeConfig } from '../../config/node-config.js';
import { startEmbedded } from '../../db/embedded.js';
import { buildServer } from '../../http/server.js';
import { createLogger } from '../../logger.js';
import { listenTakingOver } from '../../migration/port-handoff.js';
import { removeNodePid, writeNodePid } from '../../node/node-pid-file.js';
import { NodeRuntime } from '../../node/node-runtime.js';
import { nodeLogFile } from '../../logs/rotating-log-file.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { parseCommandArgs } from '../args.js';

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'Run the node: serve the API, heartbeat, and take tasks. Stops cleanly on SIGINT/SIGTERM.',
  options: { home: { type: 'string', required: true, help: 'the node home directory' } },
};

export async function runCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(runSpec, argv);
  if (!args) return 0;
  const home = args.home as string;
  const config = await readNodeConfig(home);
  const log = createLogger(config.name, { file: nodeLogFile(home) });
  const embedded = config.embedded ? await startEmbedded({ ...config.embedded, log }) : null;

  const runtime = new NodeRuntime(config, home, log);
  // Refuse before binding a port: wrong key, foreign shared storage, unreachable or too-new database.
  try {
    await runtime.checkCluster();
  } catch (error) {
    await runtime.stop(0);
    await embedded?.stop();
    throw error;
  }
  const app = buildServer(runtime);
  try {
    // A migration's switch answers on this port while the node was down: take the port over from it,
    // with everything ready first, so the port is unanswered for the time of a bind only.
    await app.ready();
    await listenTakingOver(home, () => app.listen({ host: config.listen.host, port: config.listen.port }));
  } catch (error) {
    await runtime.stop(0);
    await embedded?.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UserError(
        `Port ${config.listen.port} on ${config.listen.host} is taken. Stop whatever uses it or change "listen" in ${home}/flotilla.json.`,
      );
    }
    throw error;
  }
  await writeNodePid(home).catch((error: Error) =>
    log.warn({ err: error.message }, 'could not record the pid in the home (node.pid)'),
  );
  try {
    await runtime.start();
  } catch (error) {
    await app.close();
    await runtime.stop(0).catch(() => undefined);
    await embedded?.stop();
    throw error;
  }

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await runtime.stop();
  await app.close();
  await embedded?.stop();
  await removeNodePid(home);
  log.info('node stopped');
  return 0;
}
