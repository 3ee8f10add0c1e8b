import { execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPath, readNodeConfig } from '../config/node-config.js';
import { CLI_MAIN } from '../sandbox/node-process.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { generateMasterKey } from './master-key.js';
import { SENTINEL_FILE } from './shared-storage.js';
import { VERSION } from '../version.js';

const run = promisify(execFile);

/** Runs the CLI and returns its exit code and output (it is expected to fail here). */
async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  return run(process.execPath, [CLI_MAIN, ...args], { timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: error.stdout + error.stderr,
    }),
  );
}

describe('who may join a cluster', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
  });
  afterAll(() => cluster.destroy());

  it('refuses to join without the master key, or with the wrong one', async () => {
    const home = path.join(cluster.dir, 'joiner');
    const without = await cli('init', '--home', home, '--db', cluster.dbUrl, '--name', 'joiner');
    expect(without.code).toBe(1);
    expect(without.output).toMatch(
      /already holds cluster .* Pass its master key with --master-key-file FILE/,
    );
    const wrong = await cli(
      'init',
      '--home',
      home,
      '--db',
      cluster.dbUrl,
      '--master-key',
      generateMasterKey(),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/master key does not match cluster/);
  });

  it('refuses to run a node whose master key differs from the cluster', async () => {
    const home = path.join(cluster.dir, 'tampered');
    // The real key goes in a file, never on a command line that `ps` shows.
    const keyFile = path.join(cluster.dir, 'master.key');
    await writeFile(keyFile, (await readNodeConfig(cluster.node('node-1').home)).masterKey, { mode: 0o600 });
    const joined = await cli(
      'init',
      '--home',
      home,
      '--db',
      cluster.dbUrl,
      '--name',
      'tampered',
      '--listen',
      '127.0.0.1:0',
      '--master-key-file',
      keyFile,
    );
    expect(joined.output).toMatch(/joined cluster/);
    const config = JSON.parse(await readFile(configPath(home), 'utf8')) as Record<string, unknown>;
    await writeFile(configPath(home), JSON.stringify({ ...config, masterKey: generateMasterKey() }));
    const started = await cli('run', '--home', home);
    expect(started.code).toBe(1);
    expect(started.output).toMatch(/master key does not match cluster/);
  });

  it('refuses to run a node that does not see the shared storage sentinel, saying why', async () => {
    const sentinel = path.join(cluster.dir, 'shared', SENTINEL_FILE);
    await rename(sentinel, `${sentinel}.moved`);
    const home = path.join(cluster.dir, 'tampered');
    const config = JSON.parse(await readFile(configPath(home), 'utf8')) as Record<string, unknown>;
    const masterKey = (await readNodeConfig(cluster.node('node-1').home)).masterKey;
    await writeFile(configPath(home), JSON.stringify({ ...config, masterKey }));
    const started = await cli('run', '--home', home);
    await rename(`${sentinel}.moved`, sentinel);
    expect(started.code).toBe(1);
    expect(started.output).toMatch(/Shared storage .* is not this cluster's: the sentinel .* cannot be read/);
    expect(started.output).toMatch(/local folder instead of the cluster's share/);
  });

  it('refuses a second live process with the same node name', async () => {
    const home = path.join(cluster.dir, 'clone');
    const source = JSON.parse(await readFile(configPath(cluster.node('node-1').home), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(configPath(home).replace('clone/flotilla.json', 'clone.json'), '');
    await run('mkdir', ['-p', home]);
    await writeFile(configPath(home), JSON.stringify({ ...source, listen: { host: '127.0.0.1', port: 0 } }));
    const started = await cli('run', '--home', home);
    expect(started.code).toBe(1);
    expect(started.output).toMatch(/A node named 'node-1' is already running/);
    // The original is untouched by the refused clone.
    const nodes = await cluster.nodesView();
    expect(nodes.find((n) => n.name === 'node-1')?.state).toBe('running');
  });

  it('refuses to run a node only once a contract removed what its version uses', async () => {
    await cluster.db.query(
      `insert into flotilla_migrations (version, name, kind, release, compatible_from)
       values (999, '999-from-the-future', 'contract', '9.0.0', '9.0.0')`,
    );
    const started = await cli('run', '--home', cluster.node('node-1').home);
    await cluster.db.query(`delete from flotilla_migrations where version = 999`);
    expect(started.code).toBe(1);
    expect(started.output).toContain(
      `The database schema no longer serves flotilla-node ${VERSION}: contract migration 999-from-the-future`,
    );
    expect(started.output).toContain('Install flotilla-node 9.0.0 or later on this host');
  });
});
