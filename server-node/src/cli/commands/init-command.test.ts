import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../cluster/master-key.js';
import { readNodeConfig } from '../../config/node-config.js';
import { findFreePort } from '../../net/free-port.js';
import { CLI_MAIN } from '../../sandbox/node-process.js';
import { createTestDatabase } from '../../test-support/test-database.js';

const run = promisify(execFile);

/** Runs the CLI with FLOTILLA_MASTER_KEY only when given, so the caller's environment cannot leak in. */
async function cli(
  args: string[],
  masterKeyEnv?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FLOTILLA_LOG_LEVEL: 'warn' };
  delete env.FLOTILLA_MASTER_KEY;
  if (masterKeyEnv !== undefined) env.FLOTILLA_MASTER_KEY = masterKeyEnv;
  return run(process.execPath, [CLI_MAIN, 'init', ...args], { timeout: 60_000, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('init takes the master key from a file or the environment, not only the command line', () => {
  let dir = '';
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const masterKey = generateMasterKey();
  const node = (name: string, ...more: string[]) => [
    '--home',
    path.join(dir, name),
    '--db',
    database.url,
    '--name',
    name,
    '--listen',
    '127.0.0.1:0',
    '--shared',
    path.join(dir, 'shared'),
    ...more,
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-init-'));
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('says in --help that --master-key is visible to other local users, and offers the file and the variable', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--master-key VALUE .*visible to other local users/);
    expect(help.stdout).toMatch(/--master-key-file VALUE/);
    expect(help.stdout).toMatch(/FLOTILLA_MASTER_KEY/);
  });

  it('creates a cluster with the key read from a file (a trailing newline is fine)', async () => {
    const file = path.join(dir, 'master.key');
    await writeFile(file, `${masterKey}\n`, { mode: 0o600 });
    const created = await cli(node('node-a', '--master-key-file', file));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created cluster/);
    expect(created.stdout).toMatch(/further nodes need it \(--master-key-file or FLOTILLA_MASTER_KEY\)/);
    expect(created.stdout).not.toContain(masterKey);
    expect((await readNodeConfig(path.join(dir, 'node-a'))).masterKey).toBe(masterKey);
  });

  it('joins with the key from FLOTILLA_MASTER_KEY', async () => {
    const joined = await cli(node('node-b'), masterKey);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/Node 'node-b' joined cluster/);
    expect((await readNodeConfig(path.join(dir, 'node-b'))).masterKey).toBe(masterKey);
  });

  it('refuses an unreadable, empty or malformed key file, and two sources at once, saying why', async () => {
    const empty = path.join(dir, 'empty.key');
    await writeFile(empty, '\n');
    const garbage = path.join(dir, 'garbage.key');
    await writeFile(garbage, 'not a key at all');
    const good = path.join(dir, 'master.key');
    const cases: [args: string[], env: string | undefined, message: RegExp][] = [
      [
        node('node-c', '--master-key-file', path.join(dir, 'missing.key')),
        undefined,
        /Cannot read the master key file .*missing\.key/,
      ],
      [node('node-c', '--master-key-file', empty), undefined, /The master key file .*empty\.key is empty/],
      [node('node-c', '--master-key-file', dir), undefined, /Cannot read the master key file/],
      [node('node-c', '--master-key-file', garbage), undefined, /must be 32 bytes in base64/],
      [
        node('node-c', '--master-key-file', good, '--master-key', masterKey),
        undefined,
        /Give the master key one way: --master-key-file or --master-key, not both/,
      ],
      [node('node-c'), 'not a key', /must be 32 bytes in base64/],
    ];
    for (const [args, env, message] of cases) {
      const result = await cli(args, env);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/ {4}at /);
      expect(result.stderr).not.toContain(masterKey);
    }
  });

  it('refuses a session URL without --db, or one that does not answer, and writes no config', async () => {
    const password = new URL(database.url).password;
    const alone = await cli(
      ['--home', path.join(dir, 'node-d'), '--db-session-url', database.url],
      masterKey,
    );
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/--db-session-url goes with --db: the embedded database needs no pooler/);
    const closedPort = await findFreePort(0);
    const unreachable = await cli(
      node('node-d', '--db-session-url', `postgres://postgres:${password}@127.0.0.1:${closedPort}/x?a='"%0A`),
      masterKey,
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      new RegExp(
        `Cannot reach PostgreSQL at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/.*: connection refused`,
      ),
    );
    const multiHost = `postgres://postgres:${password}@127.0.0.1:5432,127.0.0.2:5432/postgres?target_session_attrs=read-write`;
    const twoHosts = await cli(['--home', path.join(dir, 'node-d'), '--db', multiHost], masterKey);
    expect(twoHosts.code).toBe(1);
    expect(twoHosts.stderr).toContain(
      "The database URL names more than one host (127.0.0.1:5432,127.0.0.2:5432): the nodes' PostgreSQL driver takes one. " +
        'Give the address that always reaches the primary — a virtual IP, or a TCP proxy',
    );
    for (const result of [alone, unreachable, twoHosts]) {
      expect(result.stderr).not.toMatch(/ {4}at /);
      expect(result.stderr).not.toContain(password);
    }
    await expect(readNodeConfig(path.join(dir, 'node-d'))).rejects.toThrow(/No node configuration/);
  });
});
