import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNodeConfig } from '../config/node-config.js';
import { CLI_MAIN } from '../sandbox/node-process.js';
import { hashApiKey } from '../sql/api-keys.js';
import { createTestDatabase } from '../test-support/test-database.js';
import { verifyPassword } from './password-hash.js';

const run = promisify(execFile);

async function init(args: string[]): Promise<string> {
  return (await run(process.execPath, [CLI_MAIN, 'init', ...args])).stdout;
}

describe("init's bootstrap administrator", () => {
  let dir: string;
  const drops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bootstrap-'));
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the password once, stores only its hash, and gives it the API key', async () => {
    const database = await createTestDatabase();
    drops.push(database.drop);
    const common = ['--db', database.url, '--shared', path.join(dir, 'shared'), '--listen', '127.0.0.1:0'];
    const first = await init([
      '--home',
      path.join(dir, 'a'),
      '--name',
      'a',
      '--api-key-file',
      path.join(dir, 'key'),
      ...common,
    ]);
    const password = /password: (\S+)/.exec(first)?.[1];
    expect(first).toMatch(
      /Administrator for the web portal \(shown once, store it now\):\n {2}user: {5}admin\n/,
    );
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const users = await db.query<{ id: string; username: string; role: string; password_hash: string }>(
      `select id::text, username, role, password_hash from users`,
    );
    expect(users.rows.map((u) => [u.username, u.role])).toEqual([['admin', 'administrator']]);
    expect(users.rows[0]!.password_hash).not.toContain(password);
    expect(await verifyPassword(password!, users.rows[0]!.password_hash)).toBe(true);
    const key = (await readFile(path.join(dir, 'key'), 'utf8')).trim();
    const owner = await db.query<{ user_id: string }>(
      `select user_id::text from api_keys where key_hash = $1`,
      [hashApiKey(key)],
    );
    expect(owner.rows[0]?.user_id).toBe(users.rows[0]!.id);
    await db.end();

    // A node joining the cluster creates no administrator and prints no password.
    const masterKey = (await readNodeConfig(path.join(dir, 'a'))).masterKey;
    const second = await init([
      '--home',
      path.join(dir, 'b'),
      '--name',
      'b',
      '--master-key',
      masterKey,
      ...common,
    ]);
    expect(second).toMatch(/Node 'b' joined cluster/);
    expect(second).not.toMatch(/password/);
  });

  it('writes the password to --admin-password-file (0600) instead of printing it', async () => {
    const database = await createTestDatabase();
    drops.push(database.drop);
    const file = path.join(dir, 'admin-password');
    const output = await init([
      '--home',
      path.join(dir, 'c'),
      '--name',
      'c',
      '--db',
      database.url,
      '--shared',
      path.join(dir, 'shared-c'),
      '--listen',
      '127.0.0.1:0',
      '--admin-password-file',
      file,
    ]);
    const password = (await readFile(file, 'utf8')).trim();
    expect(output).toContain(`administrator:  user 'admin', password written to ${file}`);
    expect(output).not.toContain(password);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(output).toMatch(/Administrator API key \(shown once, store it now\)/);
  });
});
