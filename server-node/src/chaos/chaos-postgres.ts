import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { EmbeddedDb, EmbeddedOptions } from '../db/embedded.js';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../db/embedded.js';
import { findFreePort } from '../net/free-port.js';
import type { Cleanup } from '../bench/util.js';

/**
 * The suite's own embedded PostgreSQL, never FLOTILLA_TEST_DB_URL: one scenario stops and starts it,
 * which a server shared with other suites (CI's Debian PostgreSQL) must never suffer. Each scenario
 * gets a database of its own in it. Data is thrown away, so it runs without fsync.
 */
export class ChaosPostgres {
  private server: EmbeddedDb | null = null;

  private constructor(private readonly options: EmbeddedOptions) {}

  static async start(cleanup: Cleanup): Promise<ChaosPostgres> {
    // A folder of its own under the temporary folder: as root, the server runs as OS user `postgres`,
    // which must be able to reach it (initdb gives it to that user).
    const dataDir = await mkdtemp(path.join(tmpdir(), 'flotilla-chaos-pg-'));
    cleanup.add('remove PostgreSQL data dir', () => rm(dataDir, { recursive: true, force: true }));
    const options: EmbeddedOptions = {
      dataDir,
      port: await findFreePort(0),
      password: randomBytes(12).toString('base64url'),
      flags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    };
    await initialiseEmbedded(options);
    const server = new ChaosPostgres(options);
    await server.up();
    cleanup.add('stop PostgreSQL', () => server.down());
    return server;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async up(): Promise<void> {
    this.server ??= await startEmbedded(this.options);
  }

  /** A fast shutdown (SIGINT to the postmaster): open sessions are cut, nothing waits for clients. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop();
  }

  url(database = 'postgres'): string {
    return embeddedUrl(this.options.port, this.options.password, database);
  }

  /** A fresh database for one scenario. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }
}
