import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { NodeConfig } from '../config/node-config.js';
import { configPath, nodeConfigSchema, readNodeConfig } from '../config/node-config.js';
import { runningPostmasterPid, startEmbedded } from '../db/embedded.js';
import { connectOrExplain, createPool } from '../db/pool.js';
import { UserError } from '../user-error.js';

// The source of a migration: a standalone node's home (its config says "embedded"). After the switch
// its flotilla.json points at the target and the original is kept beside it as
// flotilla.json.pre-migration; the source (embedded database, home storage) is then read from that.

export const CONFIG_BACKUP_SUFFIX = '.pre-migration';

export interface Standalone {
  home: string;
  configFile: string;
  backupFile: string;
  /** The standalone's own config (embedded database). */
  source: NodeConfig & { embedded: NonNullable<NodeConfig['embedded']> };
  /** What flotilla.json says now: the source config, or after the switch the target one. */
  current: NodeConfig;
  /** flotilla.json already points at the target. */
  switched: boolean;
}

export async function readStandalone(home: string): Promise<Standalone> {
  const configFile = configPath(home);
  const backupFile = configFile + CONFIG_BACKUP_SUFFIX;
  const current = await readNodeConfig(home);
  const backupText = await readFile(backupFile, 'utf8').catch(() => null);
  const backup = backupText === null ? null : nodeConfigSchema.safeParse(parseOrNull(backupText));
  if (current.embedded) {
    return {
      home: path.resolve(home),
      configFile,
      backupFile,
      source: current as Standalone['source'],
      current,
      switched: false,
    };
  }
  if (backup?.success && backup.data.embedded) {
    return {
      home: path.resolve(home),
      configFile,
      backupFile,
      source: backup.data as Standalone['source'],
      current,
      switched: true,
    };
  }
  throw new UserError(
    `${path.resolve(home)} is not a standalone node: its flotilla.json points at an external PostgreSQL, so it ` +
      `already is a cluster node. To add nodes, run 'flotilla-node init --db <its database> --master-key …' on them.`,
  );
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface SourceDb {
  url: string;
  pool: pg.Pool;
  /** Closes the pool and stops the embedded PostgreSQL if this process started it. */
  close(): Promise<void>;
}

/**
 * The standalone's embedded database: the running node's, or started here (the node is stopped).
 * Stopping it again is this process's job only if it started it.
 */
export async function openSourceDb(source: Standalone['source']): Promise<SourceDb> {
  const running = await runningPostmasterPid(source.embedded.dataDir);
  const started = running === null ? await startEmbedded({ ...source.embedded }) : null;
  const pool = createPool(source.dbUrl, { max: 4, queryTimeoutMs: 0 });
  try {
    await connectOrExplain(pool, source.dbUrl);
  } catch (error) {
    await pool.end();
    await started?.stop();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    url: source.dbUrl,
    pool,
    close: () =>
      (closing ??= (async () => {
        await pool.end();
        await started?.stop();
      })()),
  };
}

/**
 * Stops an embedded PostgreSQL left running without its node (the node was killed): the switch leaves
 * the source at rest, so nothing can write to it after the freeze.
 */
export async function stopOrphanPostmaster(dataDir: string): Promise<void> {
  const pid = await runningPostmasterPid(dataDir);
  if (pid === null) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200; i++) {
    if ((await runningPostmasterPid(dataDir)) === null) return;
    await sleep(50);
  }
}

/** The node's own draining flag (not its state: a stopped node reads as offline), null without a row. */
export async function nodeDraining(db: pg.Pool, name: string): Promise<boolean | null> {
  const result = await db.query<{ draining: boolean }>(`select draining from nodes where name = $1`, [name]);
  return result.rows[0]?.draining ?? null;
}
