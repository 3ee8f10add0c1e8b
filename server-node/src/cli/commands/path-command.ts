import path from 'node:path';
import { platformProblem } from '../../cluster/shared-path-platform.js';
import { checkSentinel, writeSentinel } from '../../cluster/shared-storage.js';
import { readNodeConfig } from '../../config/node-config.js';
import { connectOrExplain, createPool } from '../../db/pool.js';
import { readClusterRow, setSharedDir } from '../../sql/cluster-row.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { parseCommandArgs } from '../args.js';
import { readFile } from 'node:fs/promises';
import { SENTINEL_FILE } from '../../cluster/shared-storage.js';

export const pathSpec: CommandSpec = {
  name: 'path',
  summary:
    "Set the cluster's shared storage folder (one setting for all nodes). Every node must see the same\n" +
    "folder at this path; copy the old folder's content there first.",
  options: {
    home: { type: 'string', required: true, help: 'the node home directory' },
    shared: { type: 'string', required: true, help: 'the shared storage folder' },
  },
};

export async function pathCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(pathSpec, argv);
  if (!args) return 0;
  const platform = platformProblem(args.shared as string);
  if (platform) throw new UserError(platform);
  const sharedDir = path.resolve(args.shared as string);
  const config = await readNodeConfig(args.home as string);
  const pool = createPool(config.dbUrl, { max: 1 });
  try {
    await connectOrExplain(pool, config.dbUrl);
    const cluster = await readClusterRow(pool);
    if (!cluster) throw new UserError('The database holds no Flotilla cluster.');
    const existing = await readFile(path.join(sharedDir, SENTINEL_FILE), 'utf8').catch(() => null);
    if (existing !== null && (await checkSentinel(sharedDir, cluster.cluster_id)) !== null) {
      throw new UserError(`${sharedDir} is the shared storage of another cluster; refusing to use it.`);
    }
    await writeSentinel(sharedDir, cluster.cluster_id);
    await setSharedDir(pool, sharedDir);
    console.log(
      `Shared storage for cluster ${cluster.cluster_id} is now ${sharedDir} (was ${cluster.shared_dir}).`,
    );
    console.log('Restart every node; a node that cannot see this folder will refuse to start and say so.');
    return 0;
  } finally {
    await pool.end();
  }
}
