import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../../sandbox/node-process.js';

// `flotilla-node postgres`: the console's embedded target for trying the migration on one machine.

describe('flotilla-node postgres', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs an embedded PostgreSQL with an empty database "flotilla", records its pid, and comes back the same after a stop', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-postgres-'));
    // As root the embedded PostgreSQL runs as user postgres, which must be able to enter the folder.
    await chmod(dir, 0o755);
    const start = async () => {
      const child = spawn(process.execPath, [CLI_MAIN, 'postgres', '--dir', dir, '--json'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        createInterface({ input: child.stdout }).once('line', resolve);
      });
      return { child, info: JSON.parse(line) as { dbUrl: string; pid: number } };
    };
    const first = await start();
    expect(first.info.pid).toBe(first.child.pid);
    expect(Number(await readFile(path.join(dir, 'postgres.pid'), 'utf8'))).toBe(first.child.pid);
    const client = new pg.Client({ connectionString: first.info.dbUrl });
    await client.connect();
    const tables = await client.query(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
    await client.query('create table kept (id int)');
    await client.end();
    expect(tables.rows[0]).toEqual({ n: 0 });
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(readFile(path.join(dir, 'postgres.pid'), 'utf8')).rejects.toThrow(/ENOENT/);

    const second = await start();
    expect(second.info.dbUrl).toBe(first.info.dbUrl);
    const again = new pg.Client({ connectionString: second.info.dbUrl });
    await again.connect();
    expect((await again.query(`select to_regclass('kept') is not null as kept`)).rows[0]).toEqual({
      kept: true,
    });
    await again.end();
    const stopped = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    await stopped;
  });
});
