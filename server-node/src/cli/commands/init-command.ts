import { readFile } from 'node:fs/promises';
import { initNode } from '../../cluster/init-node.js';
import { createLogger } from '../../logger.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { hostPortOption, parseCommandArgs } from '../args.js';

export const initSpec: CommandSpec = {
  name: 'init',
  summary:
    'Create a node home. The first node creates the cluster (and its master key and administrator API key);\n' +
    'further nodes join it with --db and the same master key (--master-key-file, or env FLOTILLA_MASTER_KEY).',
  options: {
    home: { type: 'string', required: true, help: 'the node home directory' },
    db: { type: 'string', help: 'PostgreSQL URL (>= 14); default: an embedded PostgreSQL in the home' },
    'db-session-url': {
      type: 'string',
      help: 'when --db goes through a pooler in transaction mode (PgBouncer): a URL to PostgreSQL itself, for LISTEN and migrations',
    },
    shared: { type: 'string', help: 'shared storage folder for the cluster; default <home>/shared' },
    name: { type: 'string', help: 'node name; default the host name' },
    listen: { type: 'string', help: 'HOST:PORT to serve on; default 0.0.0.0:8300' },
    'public-url': { type: 'string', help: 'URL others reach this node at; default http://<host>:<port>' },
    'master-key-file': {
      type: 'string',
      help: "read the cluster's master key from this file (keep it 0600); or set env FLOTILLA_MASTER_KEY",
    },
    'master-key': {
      type: 'string',
      help: "the cluster's master key itself: visible to other local users (ps) while init runs; prefer --master-key-file",
    },
    'api-key-file': {
      type: 'string',
      help: 'write the administrator API key here (0600) instead of printing it',
    },
    'admin-password-file': {
      type: 'string',
      help: "write the bootstrap administrator's password here (0600) instead of printing it",
    },
  },
};

export async function initCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(initSpec, argv);
  if (!args) return 0;
  const result = await initNode({
    home: args.home as string,
    dbUrl: args.db as string | undefined,
    dbSessionUrl: args['db-session-url'] as string | undefined,
    sharedDir: args.shared as string | undefined,
    name: args.name as string | undefined,
    listen: args.listen ? hostPortOption(args.listen as string, 'listen') : undefined,
    publicUrl: args['public-url'] as string | undefined,
    masterKey: await masterKeyOption(args),
    apiKeyFile: args['api-key-file'] as string | undefined,
    adminPasswordFile: args['admin-password-file'] as string | undefined,
    log: createLogger('init'),
  });
  const { config } = result;
  console.log(
    result.createdCluster
      ? `Created cluster ${result.clusterId} with node '${config.name}'.`
      : `Node '${config.name}' joined cluster ${result.clusterId}.`,
  );
  console.log(
    `  database:       ${config.embedded ? `embedded PostgreSQL in ${config.embedded.dataDir}` : 'external'}`,
  );
  console.log(`  shared storage: ${result.sharedDir}`);
  console.log(
    `  serves at:      ${config.publicUrl} (listening on ${config.listen.host}:${config.listen.port})`,
  );
  if (result.createdCluster) {
    console.log(
      `  master key:     stored in the node's flotilla.json; further nodes need it (--master-key-file or FLOTILLA_MASTER_KEY)`,
    );
  }
  if (result.admin?.password) {
    console.log(
      `\nAdministrator for the web portal (shown once, store it now):\n  user:     ${result.admin.username}\n  password: ${result.admin.password}`,
    );
  } else if (result.admin) {
    console.log(
      `  administrator:  user '${result.admin.username}', password written to ${String(args['admin-password-file'])}`,
    );
  }
  if (result.apiKey) {
    console.log(`\nAdministrator API key (shown once, store it now):\n  ${result.apiKey}`);
  } else if (args['api-key-file'] && result.createdCluster) {
    console.log(`  API key:        written to ${String(args['api-key-file'])}`);
  }
  console.log(`\nStart it with: flotilla-node run --home ${String(args.home)}`);
  return 0;
}

/**
 * The master key from --master-key-file, --master-key or FLOTILLA_MASTER_KEY, in that order of
 * preference: a command line is readable by every local user (`ps`, /proc/<pid>/cmdline), a file
 * only by whom its mode allows, the environment only by the same user and root.
 */
async function masterKeyOption(
  args: Record<string, string | boolean | undefined>,
): Promise<string | undefined> {
  const file = args['master-key-file'] as string | undefined;
  const inline = args['master-key'] as string | undefined;
  if (file !== undefined && inline !== undefined) {
    throw new UserError('Give the master key one way: --master-key-file or --master-key, not both.');
  }
  if (file === undefined) return inline ?? process.env.FLOTILLA_MASTER_KEY;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(
      `Cannot read the master key file ${file}: ${(error as Error).message}. Give the file that holds "masterKey" from the first node's flotilla.json.`,
    );
  }
  const key = text.trim();
  if (!key) throw new UserError(`The master key file ${file} is empty; put the cluster's master key in it.`);
  return key;
}
