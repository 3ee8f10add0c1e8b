import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { findFreePort } from '../net/free-port.js';
import { stopProcess } from '../sandbox/node-process.js';

export interface PgBouncer {
  port: number;
  /** `url` (a database URL for the PostgreSQL behind it) with its host and port turned to PgBouncer's. */
  through(url: string): string;
  /** PgBouncer's SHOW SERVERS: the server connections it holds now, for `database`. */
  servers(database: string): Promise<number>;
  /** Everything PgBouncer wrote (it logs to stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real PgBouncer in front of the test PostgreSQL (`adminUrl`): every database name passes through
 * (`*`), `poolMode` as asked, at most `poolSize` server connections per database and user. The
 * password for the server login comes from `adminUrl`; clients are trusted (loopback, test only).
 */
export async function startPgBouncer(
  adminUrl: string,
  options: { poolMode: 'transaction' | 'session'; poolSize: number },
): Promise<PgBouncer> {
  const server = new URL(adminUrl);
  const user = decodeURIComponent(server.username);
  const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-pgbouncer-'));
  const port = await findFreePort(0);
  const ini = path.join(dir, 'pgbouncer.ini');
  const users = path.join(dir, 'userlist.txt');
  await writeFile(users, `"${user}" "${decodeURIComponent(server.password)}"\n`);
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${users}`,
      `admin_users = ${user}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  // PgBouncer will not run as root; it switches to the PostgreSQL account, which must read its files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    await Promise.all([chmod(ini, 0o644), chmod(users, 0o644)]);
  }
  const child: ChildProcess = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), ini], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));

  const admin = () =>
    new pg.Client({ host: '127.0.0.1', port, user, database: 'pgbouncer', connectionTimeoutMillis: 1000 });
  const ready = async () => {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${output}`);
      const client = admin();
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`pgbouncer did not answer on port ${port}: ${output}`);
  };
  try {
    await Promise.race([ready(), spawnError]);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    through(url) {
      const pooled = new URL(url);
      pooled.hostname = '127.0.0.1';
      pooled.port = String(port);
      return pooled.toString();
    },
    async servers(database) {
      const client = admin();
      await client.connect();
      try {
        const rows = (await client.query<{ database: string }>('SHOW SERVERS')).rows;
        return rows.filter((row) => row.database === database).length;
      } finally {
        await client.end();
      }
    },
    output: () => output,
    async stop() {
      await stopProcess(child, 5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
