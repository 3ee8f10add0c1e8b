import path from 'node:path';
import { createLogger } from '../../logger.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import type { CommandSpec } from '../args.js';
import { intOption, parseCommandArgs } from '../args.js';
import { untilStopSignal } from '../stop-signal.js';

export const sandboxSpec: CommandSpec = {
  name: 'sandbox',
  summary:
    'Run a local cluster: an embedded PostgreSQL, N nodes and the built-in balancer in front of them, each\n' +
    'as its own process, in DIR (kept between runs).\n' +
    'Stops cleanly on SIGINT/SIGTERM (Ctrl+C).',
  options: {
    dir: { type: 'string', required: true, help: 'the sandbox directory' },
    nodes: { type: 'string', help: 'how many nodes (default 3)' },
    port: {
      type: 'string',
      help: 'base port: the balancer listens on PORT, the nodes on PORT+1..PORT+N (default 8300)',
    },
    json: {
      type: 'boolean',
      help: 'print {balancerUrl, apiKey, admin, dbUrl, sharedDir, nodes} as one JSON line when ready',
    },
  },
};

export async function sandboxCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(sandboxSpec, argv);
  if (!args) return 0;
  const nodes = intOption(args.nodes, 'nodes', 1, 32) ?? 3;
  const basePort = intOption(args.port, 'port', 1024, 65000) ?? 8300;
  const log = createLogger('sandbox');
  const sandbox = new Sandbox({ dir: args.dir as string, nodes, basePort, log });

  const stopped = untilStopSignal();
  try {
    const info = await sandbox.start();
    if (args.json) {
      console.log(JSON.stringify(info));
    } else {
      const auth = `-H "Authorization: Bearer ${info.apiKey}"`;
      console.log(
        `Flotilla sandbox with ${nodes} nodes is running (data in ${path.resolve(args.dir as string)}).`,
      );
      console.log(`Open the cluster at ${info.balancerUrl} (the built-in balancer in front of the nodes):`);
      for (const node of info.nodes) console.log(`  ${node.name}  ${node.url}  (pid ${node.pid})`);
      console.log(`  API key:        ${info.apiKey}`);
      console.log(`  portal sign-in: ${info.admin.username} / ${info.admin.password}`);
      console.log(`  shared storage: ${info.sharedDir}`);
      console.log(`  try:  curl -i ${auth} ${info.balancerUrl}/api/nodes   (x-flotilla-node: who answered)`);
      console.log(`        curl ${auth} ${info.balancerUrl}/_balancer/stats`);
      console.log('Press Ctrl+C to stop.');
    }
    await stopped;
  } finally {
    await sandbox.stop();
  }
  return 0;
}
