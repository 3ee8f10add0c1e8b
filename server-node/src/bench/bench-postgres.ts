import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../db/embedded.js';
import { findFreePort } from '../net/free-port.js';
import type { Cleanup } from './util.js';
import { log } from './util.js';

/** One PostgreSQL shared by both queues, so neither gets a faster or emptier server. */
export interface BenchPostgres {
  version: string;
  /** A superuser URL (database `postgres`). */
  adminUrl: string;
  /** Whether pg_stat_statements is loaded (`--pg-stats`). */
  pgStats: boolean;
  /** URL of a database in this server. */
  url(database: string): string;
  /** The postmaster's PID (its children are the backends), for CPU accounting. */
  postmasterPid(): number;
  /**
   * Vacuums and analyzes `database`, then checkpoints: each measured batch starts on tidy tables with
   * fresh statistics and does not pay for the dirty pages of the phase before it.
   */
  settle(database: string): Promise<void>;
}

/** pg_stat_statements, also counting statements inside functions and triggers, and planning time. */
const PG_STATS_FLAGS = [
  '-c',
  'shared_preload_libraries=pg_stat_statements',
  '-c',
  'pg_stat_statements.track=all',
  '-c',
  'pg_stat_statements.track_planning=on',
];

/**
 * Starts an embedded PostgreSQL in a temporary folder with its normal durability settings (fsync,
 * synchronous commit: a queue's commit cost is part of what is measured) and creates `databases`.
 */
export async function startBenchPostgres(
  cleanup: Cleanup,
  databases: string[],
  options: { pgStats: boolean; flags?: string[] },
): Promise<BenchPostgres> {
  // A folder of its own (not inside another temp dir): as root, the server runs as OS user
  // `postgres`, which must be able to reach it.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-pg-'));
  cleanup.add('remove PostgreSQL data dir', () => rm(dataDir, { recursive: true, force: true }));
  const port = await findFreePort(0);
  const password = randomBytes(12).toString('base64url');
  const flags = [...(options.pgStats ? PG_STATS_FLAGS : []), ...(options.flags ?? [])];
  await initialiseEmbedded({ dataDir, port, password, flags });
  const server = await startEmbedded({ dataDir, port, password, flags });
  cleanup.add('stop PostgreSQL', () => server.stop());
  log(`PostgreSQL on port ${port}, data in ${dataDir}${options.pgStats ? ' (pg_stat_statements on)' : ''}`);

  const query = async <R extends pg.QueryResultRow>(sql: string, database = 'postgres') => {
    const client = new pg.Client({ connectionString: embeddedUrl(port, password, database) });
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  for (const database of databases) await query(`create database ${database}`);
  if (options.pgStats) await query('create extension if not exists pg_stat_statements');
  const version = (await query<{ server_version: string }>('show server_version'))[0]!.server_version;

  return {
    version,
    adminUrl: embeddedUrl(port, password),
    pgStats: options.pgStats,
    url: (database) => embeddedUrl(port, password, database),
    postmasterPid: () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    settle: async (database) => {
      await query('vacuum analyze', database);
      await query('checkpoint');
    },
  };
}
