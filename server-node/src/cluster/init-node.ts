import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_SETTINGS } from '../config/cluster-settings.js';
import type { NodeConfig } from '../config/node-config.js';
import { configPath, writeNodeConfig } from '../config/node-config.js';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../db/embedded.js';
import { migrate } from '../db/migrate.js';
import { connectOrExplain, createPool } from '../db/pool.js';
import { findFreePort } from '../net/free-port.js';
import { generatePassword, hashPassword } from '../auth/password-hash.js';
import { adoptOwnerlessKeys } from '../auth/user-api-keys.js';
import { insertUser } from '../auth/user-rows.js';
import { generateApiKey, insertApiKey } from '../sql/api-keys.js';
import { insertClusterRow, readClusterRow } from '../sql/cluster-row.js';
import { UserError } from '../user-error.js';
import { generateMasterKey, isWellFormedMasterKey, masterKeyCheck, masterKeyMatches } from './master-key.js';
import { platformProblem } from './shared-path-platform.js';
import { checkSentinel, writeSentinel } from './shared-storage.js';

export interface InitOptions {
  home: string;
  dbUrl?: string | undefined;
  /** When `dbUrl` goes through a pooler in transaction mode: the URL for session work (see NodeConfig). */
  dbSessionUrl?: string | undefined;
  sharedDir?: string | undefined;
  name?: string | undefined;
  listen?: { host: string; port: number } | undefined;
  publicUrl?: string | undefined;
  masterKey?: string | undefined;
  /** Where to write the first node's administrator API key (0600); printed once when absent. */
  apiKeyFile?: string | undefined;
  /** Where to write the bootstrap administrator's password (0600); printed once when absent. */
  adminPasswordFile?: string | undefined;
  log?: Logger;
}

export interface InitResult {
  config: NodeConfig;
  createdCluster: boolean;
  clusterId: string;
  sharedDir: string;
  /** Only for the node that created the cluster and was not given an API key file. */
  apiKey: string | null;
  /** The bootstrap administrator, only for the node that created the cluster. */
  admin: { username: string; password: string | null } | null;
}

export const BOOTSTRAP_ADMIN = 'admin';

async function writeSecretFile(file: string, secret: string): Promise<void> {
  await writeFile(file, secret + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
}

export const DEFAULT_PORT = 8300;

/**
 * `flotilla-node init`: the first node creates the cluster (schema, cluster id, master key, shared
 * storage sentinel, administrator API key); every further node joins it with the same master key.
 */
export async function initNode(options: InitOptions): Promise<InitResult> {
  const home = path.resolve(options.home);
  if (existsSync(configPath(home))) {
    throw new UserError(
      `${configPath(home)} already exists: this home is initialised. Use 'flotilla-node run'.`,
    );
  }
  if (options.masterKey !== undefined && !isWellFormedMasterKey(options.masterKey)) {
    throw new UserError('The master key must be 32 bytes in base64 (as the first node generated it).');
  }

  if (options.dbSessionUrl !== undefined && !options.dbUrl) {
    throw new UserError('--db-session-url goes with --db: the embedded database needs no pooler.');
  }

  let embedded: NodeConfig['embedded'];
  let dbUrl = options.dbUrl;
  let stopEmbedded = async () => {};
  if (!dbUrl) {
    embedded = {
      dataDir: path.join(home, 'pgdata'),
      port: await findFreePort(5433),
      password: randomBytes(18).toString('base64url'),
    };
    await initialiseEmbedded({ ...embedded, log: options.log });
    const server = await startEmbedded({ ...embedded, log: options.log });
    stopEmbedded = () => server.stop();
    dbUrl = embeddedUrl(embedded.port, embedded.password);
  }

  // Init's work (migrations and their lock among it) needs a session: the session URL when there is one.
  const sessionUrl = options.dbSessionUrl ?? dbUrl;
  const pool = createPool(sessionUrl, { max: 2, log: options.log });
  try {
    await connectOrExplain(pool, sessionUrl);
    if (options.dbSessionUrl) await checkPooledUrl(dbUrl, options.log);
    await migrate(pool);
    const listen = options.listen ?? { host: '0.0.0.0', port: DEFAULT_PORT };
    const name = options.name ?? hostname();
    const publicUrl =
      options.publicUrl ??
      `http://${listen.host === '0.0.0.0' || listen.host === '::' ? hostname() : listen.host}:${listen.port}`;

    let cluster = await readClusterRow(pool);
    let createdCluster = false;
    let apiKey: string | null = null;
    let admin: InitResult['admin'] = null;
    let masterKey = options.masterKey;
    if (!cluster) {
      masterKey ??= generateMasterKey();
      const clusterId = randomUUID();
      // A Windows path on Linux (or the reverse) would resolve to a local folder of that odd name.
      const platform = options.sharedDir ? platformProblem(options.sharedDir) : null;
      if (platform) throw new UserError(platform);
      const sharedDir = path.resolve(options.sharedDir ?? path.join(home, 'shared'));
      await writeSentinel(sharedDir, clusterId);
      createdCluster = await insertClusterRow(pool, {
        clusterId,
        sharedDir,
        masterKeyCheck: masterKeyCheck(masterKey, clusterId),
        settings: DEFAULT_SETTINGS,
      });
      if (createdCluster) {
        // The bootstrap administrator signs in to the portal with the password and uses the key for
        // the API; both are shown once (or written to the files asked for) and never stored in clear.
        const password = generatePassword();
        const user = await insertUser(pool, {
          username: BOOTSTRAP_ADMIN,
          passwordHash: await hashPassword(password),
          role: 'administrator',
        });
        apiKey = generateApiKey();
        await insertApiKey(pool, 'administrator', apiKey);
        if (user) await adoptOwnerlessKeys(pool, user.id);
        admin = { username: BOOTSTRAP_ADMIN, password };
        if (options.apiKeyFile) {
          await writeSecretFile(options.apiKeyFile, apiKey);
          apiKey = null;
        }
        if (options.adminPasswordFile) {
          await writeSecretFile(options.adminPasswordFile, password);
          admin.password = null;
        }
      }
      cluster = await readClusterRow(pool);
    }
    if (!cluster) throw new Error('cluster row vanished during init');
    if (!createdCluster) {
      if (!masterKey) {
        throw new UserError(
          `This database already holds cluster ${cluster.cluster_id}. Pass its master key with --master-key-file FILE ` +
            `(or FLOTILLA_MASTER_KEY); it is "masterKey" in the first node's flotilla.json.`,
        );
      }
      if (!masterKeyMatches(masterKey, cluster.cluster_id, cluster.master_key_check)) {
        throw new UserError(
          `The master key does not match cluster ${cluster.cluster_id}. Copy it from a node of that cluster.`,
        );
      }
      const platform = platformProblem(cluster.shared_dir);
      if (platform) throw new UserError(platform);
      if (options.sharedDir && path.resolve(options.sharedDir) !== cluster.shared_dir) {
        throw new UserError(
          `The cluster's shared storage is ${cluster.shared_dir}; it is set once for the whole cluster. ` +
            `Mount it at that path on this host, or change it for all nodes with 'flotilla-node path'.`,
        );
      }
      const problem = await checkSentinel(cluster.shared_dir, cluster.cluster_id);
      if (problem) throw new UserError(problem);
    }
    const config: NodeConfig = {
      name,
      listen,
      publicUrl,
      dbUrl,
      ...(options.dbSessionUrl ? { dbSessionUrl: options.dbSessionUrl } : {}),
      masterKey: masterKey!,
      ...(embedded ? { embedded } : {}),
    };
    await writeNodeConfig(home, config);
    return {
      config,
      createdCluster,
      clusterId: cluster.cluster_id,
      sharedDir: cluster.shared_dir,
      apiKey,
      admin,
    };
  } finally {
    await pool.end();
    await stopEmbedded();
  }
}

/** The pooled URL must work too, before it is written into the node's config. */
async function checkPooledUrl(dbUrl: string, log: Logger | undefined): Promise<void> {
  const pooled = createPool(dbUrl, { max: 1, log, pooled: true });
  try {
    await connectOrExplain(pooled, dbUrl);
  } finally {
    await pooled.end();
  }
}
