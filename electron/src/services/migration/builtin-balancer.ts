import { setTimeout as sleep } from 'node:timers/promises';
import { shellCommand, shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { UserError } from '../../common/user-error.js';
import { pingNode } from '../cluster-client/node-ping.js';
import type { EngineHost } from './engine-host.js';

export interface BuiltinBalancerStart {
  /** The node home it reads the cluster's database from (the migrated standalone's). */
  home: string;
  listen: { host: string; port: number };
  /** How the console reaches it. */
  url: string;
}

/**
 * The built-in balancer (`flotilla-node balance`) on the source host, in front of the new cluster: it
 * takes its members from the nodes table, so nodes provisioned later join it by themselves. Started
 * detached (setsid, nohup), its pid and log beside the home; one that already answers is left alone.
 */
export async function ensureBuiltinBalancer(
  host: EngineHost,
  start: BuiltinBalancerStart,
  timeoutMs = 30_000,
): Promise<'started' | 'running'> {
  if ((await pingNode(start.url))?.state === 'running') return 'running';
  const log = `${start.home}/balancer.log`;
  const argv = [
    ...host.cli,
    'balance',
    '--listen',
    `${start.listen.host}:${start.listen.port}`,
    '--home',
    start.home,
  ];
  const result = await host.shell(
    `setsid nohup ${shellCommand(argv)} >>${q(log)} 2>&1 </dev/null & echo $! > ${q(`${start.home}/balancer.pid`)}`,
  );
  if (result.code !== 0)
    throw new UserError(
      `The built-in balancer did not start on ${host.where}: ${(result.stderr || result.stdout).trim()}`,
    );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await pingNode(start.url))?.state === 'running') return 'started';
    await sleep(250);
  }
  const tail = (await host.shell(`tail -n 15 ${q(log)}`)).stdout.trim();
  throw new UserError(
    `The built-in balancer on ${host.where} does not answer at ${start.url} after ${timeoutMs / 1000} s. The end of ${log}:\n${tail}`,
  );
}
