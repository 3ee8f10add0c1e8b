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
  dataDir: string;
  /** URL of a database in this server. */
  url(database: string): string;
  /** The postmaster's PID (its children are the backends), for CPU accounting. */
  postmasterPid(): number;
  /**
   * Vacuums and analyzes `database`, then checkpoints: each measured batch starts on tidy tables with
   * fresh statistics and does not pay for the dirty pages of the phase before it.
   */
  settle(database: string): Promise<void>;
  /** With `--pg-stats`: forget what pg_stat_statements has seen so far. */
  resetStatements(): Promise<void>;
  /** With `--pg-stats`: the statements of `database` that took the most time since the last reset. */
  topStatements(database: string, limit?: number): Promise<string>;
}

/**
 * Starts an embedded PostgreSQL in a temporary folder with its normal durability settings (fsync,
 * synchronous commit: a queue's commit cost is part of what is measured) and creates `databases`.
 */
export async function startBenchPostgres(
  cleanup: Cleanup,
  databases: string[],
  options: { pgStats: boolean },
): Promise<BenchPostgres> {
  // A folder of its own (not inside another temp dir): as root, the server runs as OS user
  // `postgres`, which must be able to reach it.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-pg-'));
  cleanup.add('remove PostgreSQL data dir', () => rm(dataDir, { recursive: true, force: true }));
  const port = await findFreePort(0);
  const password = randomBytes(12).toString('base64url');
  const flags = options.pgStats
    ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all']
    : [];
  await initialiseEmbedded({ dataDir, port, password, flags });
  const server = await startEmbedded({ dataDir, port, password, flags });
  cleanup.add('stop PostgreSQL', () => server.stop());
  log(`PostgreSQL on port ${port}, data in ${dataDir}${options.pgStats ? ' (pg_stat_statements on)' : ''}`);

  const admin = new pg.Client({ connectionString: embeddedUrl(port, password) });
  await admin.connect();
  let version: string;
  try {
    for (const database of databases) await admin.query(`create database ${database}`);
    if (options.pgStats) await admin.query('create extension if not exists pg_stat_statements');
    version = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  } finally {
    await admin.end();
  }

  const adminQuery = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') => {
    const client = new pg.Client({ connectionString: embeddedUrl(port, password, database) });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };

  return {
    version,
    dataDir,
    url: (database) => embeddedUrl(port, password, database),
    postmasterPid: () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    settle: async (database) => {
      await adminQuery('vacuum analyze', [], database);
      await adminQuery('checkpoint');
    },
    resetStatements: async () => {
      if (options.pgStats) await adminQuery('select pg_stat_statements_reset()');
    },
    topStatements: async (database, limit = 8) => {
      if (!options.pgStats) return '';
      const rows = await adminQuery<{ calls: string; total_ms: number; mean_ms: number; rows: string; query: string }>(
        `select s.calls::text, round(s.total_exec_time::numeric, 1)::float8 as total_ms,
                round(s.mean_exec_time::numeric, 3)::float8 as mean_ms, s.rows::text,
                regexp_replace(left(s.query, 160), '\\s+', ' ', 'g') as query
         from pg_stat_statements s join pg_database d on d.oid = s.dbid
         where d.datname = $1 order by s.total_exec_time desc limit $2`,
        [database, limit],
      );
      return rows
        .map((r) => `  ${r.total_ms} ms total, ${r.calls} calls, ${r.mean_ms} ms mean, ${r.rows} rows: ${r.query}`)
        .join('\n');
    },
  };
}
