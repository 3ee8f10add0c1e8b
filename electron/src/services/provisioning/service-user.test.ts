import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { SshAuth } from '../ssh/index.js';
import { SshdHost } from '../test-support/sshd-host.js';
import type { ProvisionHost } from './provision-host.js';
import { provisionNode, type ProvisionOptions } from './provision-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { removeNode } from './remove-node.js';
import { readServerBundle, type ServerBundle } from './server-bundle.js';
import { buildServerBundle } from './test-support/build-server-bundle.js';
import {
  processUid,
  remoteHostEntry,
  remoteLogTail,
  stopSupervisor,
  uidOf,
} from './test-support/remote-host.js';
import { startSandboxCluster, type SandboxCluster } from './test-support/sandbox-cluster.js';

const run = promisify(execFile);

// Provisioning signed in as root creates the service user `flotilla` on the host (here: this machine,
// where it stays, like the `postgres` user embedded PostgreSQL creates) and runs the node as it.
describe('provisioned nodes run as a dedicated service user, never root', () => {
  let dir: string;
  let bundle: ServerBundle;
  let cluster: SandboxCluster;
  let sshd: SshdHost;
  let auth: SshAuth;
  const cleanups: (() => Promise<void>)[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-service-user-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The service user must be able to reach the install roots under it, as on a real host.
    await chmod(dir, 0o711);
    bundle = await readServerBundle(await buildServerBundle(path.join(dir, 'bundles')));
    cluster = await startSandboxCluster();
    cleanups.push(() => cluster.stop());
    sshd = await SshdHost.start({ address: '127.0.0.2' });
    cleanups.push(() => sshd.stop());
    auth = { kind: 'key', privateKey: sshd.clientPrivateKey };
  }, 300_000);
  afterAll(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 120_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    console.error(`sandbox log:\n${await cluster.recentLog()}`);
    for (const root of logs) console.error(`${root} log:\n${await remoteLogTail(root)}`);
  });

  const hostEntry = (name: string, changes: Partial<ProvisionHost> = {}) =>
    remoteHostEntry(
      sshd,
      { id: `host-${name}`, clusterId: cluster.access.clusterId, name, installRoot: path.join(dir, name) },
      changes,
    );
  const provision = (host: ProvisionHost, changes: Partial<ProvisionOptions> = {}) => {
    const events: ProvisionEvent[] = [];
    const finished = provisionNode({
      host,
      auth,
      bundle,
      cluster: cluster.access,
      onEvent: (event) => events.push(event),
      ...changes,
    });
    return { finished, events };
  };
  /** A node this test provisions: its supervisor is stopped at the end, its log printed on failure. */
  const started = (host: ProvisionHost) => {
    logs.push(host.installRoot);
    cleanups.push(() => stopSupervisor(host.installRoot));
  };

  let node1: ProvisionHost;

  it('provisions a node that runs as flotilla: its process, its home, its config and the scripts it runs', async () => {
    node1 = await hostEntry('svc-1');
    started(node1);
    const first = provision(node1);
    expect(await first.finished).toBe(true);
    expect(details(first.events, 'preflight')).toContainEqual(
      expect.stringMatching(/^PASS service user: the node runs as flotilla/),
    );
    expect(details(first.events, 'preflight')).toContainEqual(
      expect.stringMatching(/^PASS shared storage: .* writable by flotilla$/),
    );
    expect(first.events.find((event) => event.step === 'check' && event.status === 'done')?.detail).toMatch(
      /checks passed as flotilla$/,
    );
    expect(first.events.find((event) => event.step === 'wait' && event.status === 'done')?.detail).toMatch(
      /, as flotilla \(pid \d+\)$/,
    );

    const flotilla = await uidOf('flotilla');
    expect(flotilla).not.toBe(0);
    const home = path.join(node1.installRoot, 'home');
    for (const pidfile of ['node.pid', 'supervisor.pid'])
      expect(await processUid(Number(await readFile(path.join(home, pidfile), 'utf8'))), pidfile).toBe(
        flotilla,
      );
    const homeStat = await stat(home);
    expect([homeStat.uid, homeStat.mode & 0o777]).toEqual([flotilla, 0o700]);
    const config = await stat(path.join(home, 'flotilla.json'));
    expect([config.uid, config.mode & 0o777]).toEqual([flotilla, 0o600]);
    expect((await stat(path.join(home, 'node.log'))).uid).toBe(flotilla);

    // A script step runs as the node does. Only this node takes tasks while the sandbox's is drained.
    await cluster.api.setDrain('node-1', true);
    onTestFinished(() => cluster.api.setDrain('node-1', false).then(() => undefined));
    const { id } = await cluster.api.createTask({ kind: 'script', args: { script: 'id -un; id -u' } });
    await expect
      .poll(async () => (await cluster.api.getTask(id)).state, { timeout: 30_000 })
      .toBe('succeeded');
    expect((await cluster.api.getTask(id)).node).toBe('svc-1');
    expect(await cluster.api.taskLog(id)).toContain(`flotilla\n${flotilla}\n`);

    // Again: the account exists and is used as it is; nothing fails, nothing changes owner.
    const again = provision(node1);
    expect(await again.finished).toBe(true);
    expect(again.events.filter((event) => event.status === 'failed')).toEqual([]);
    expect(details(again.events, 'preflight')).toContainEqual(
      'PASS service user: the node runs as flotilla, which exists',
    );
    expect(await uidOf('flotilla')).toBe(flotilla);
    expect((await stat(path.join(home, 'flotilla.json'))).uid).toBe(flotilla);
  }, 180_000);

  it('refuses a service user name that is not a plain user name, before signing in to the host', async () => {
    const marker = path.join(dir, 'injected');
    for (const name of [
      `flotilla'; touch ${marker}; '`,
      `flotilla$(touch ${marker})`,
      'flotilla\ntouch /tmp/x',
      '"flotilla"',
      'flo;tilla',
      'Flotilla',
      'root',
    ]) {
      const host = await hostEntry('svc-hostile', { serviceUser: name });
      const { finished, events } = provision(host);
      await expect(finished, name).rejects.toMatchObject({ name: 'ProvisionError', step: 'preflight' });
      await expect(finished, name).rejects.toThrow(
        name === 'root'
          ? 'service user: the node never runs as root'
          : `service user: the service user ${JSON.stringify(name)} is not a valid user name`,
      );
      expect(events.map((event) => event.step)).toEqual(['preflight', 'preflight', 'preflight']);
    }
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    await expect(stat(path.join(dir, 'svc-hostile'))).rejects.toThrow(/ENOENT/);
  });

  it('fails preflight when the service user cannot write the shared folder, naming the folder and the user', async () => {
    // The cluster's sentinel in a folder only root may write.
    const shared = path.join(dir, 'root-only-shared');
    await mkdir(shared, { mode: 0o755 });
    await copyFile(
      path.join(cluster.access.sharedDir, '.flotilla-cluster'),
      path.join(shared, '.flotilla-cluster'),
    );
    const host = await hostEntry('svc-no-shared');
    const refused = provision(host, { cluster: { ...cluster.access, sharedDir: shared } });
    await expect(refused.finished).rejects.toMatchObject({ step: 'preflight' });
    await expect(refused.finished).rejects.toThrow(
      `shared storage: ${shared} is not writable by the service user flotilla.`,
    );
    await expect(refused.finished).rejects.toThrow(`Fix: Let flotilla read and write ${shared} on the host`);
    expect(details(refused.events, 'preflight')).toContainEqual(
      `FAIL shared storage: ${shared} is not writable by the service user flotilla`,
    );
    expect(refused.events.map((event) => event.step)).not.toContain('upload');

    // An account provisioning would create is judged before it exists.
    const unborn = provision(
      { ...host, serviceUser: 'flotilla-unborn' },
      { cluster: { ...cluster.access, sharedDir: shared } },
    );
    await expect(unborn.finished).rejects.toThrow(
      `shared storage: ${shared} is not writable by the service user flotilla-unborn (flotilla-unborn does not exist yet`,
    );
    await expect(unborn.finished).rejects.toThrow('Fix: Create the service user first');
    expect(details(unborn.events, 'preflight')).toContainEqual(
      'PASS service user: the node runs as flotilla-unborn, created by the install step (system account, no login shell)',
    );
    await expect(run('id', ['-u', 'flotilla-unborn'])).rejects.toThrow();
  });

  it('signed in as a user other than root, runs the node as that user and says so; another account is refused', async () => {
    // An unprivileged login with a password (the test sshd's authorized_keys is root's alone).
    const user = 'flotilla-ssh-test';
    const password = randomBytes(12).toString('base64url');
    await run('sh', ['-c', `id -u ${user} >/dev/null 2>&1 || useradd --shell /bin/bash ${user}`]);
    cleanups.push(async () => {
      await run('userdel', [user]);
    });
    await run('sh', ['-c', `echo ${user}:${password} | chpasswd`]);
    const host = await hostEntry('svc-as-ssh-user', { username: user, authKind: 'password' });
    await mkdir(host.installRoot);
    await run('chown', [user, host.installRoot]);
    started(host);
    const asUser = provision(host, { auth: { kind: 'password', password } });
    expect(await asUser.finished).toBe(true);
    expect(details(asUser.events, 'preflight')).toContainEqual(
      `WARN service user: signed in as ${user}, not root: the node runs as ${user} itself (no dedicated service user, no systemd unit; sign in as root for those)`,
    );
    const pid = Number(await readFile(path.join(host.installRoot, 'home', 'node.pid'), 'utf8'));
    expect(await processUid(pid)).toBe(await uidOf(user));

    const other = provision({ ...host, serviceUser: 'flotilla' }, { auth: { kind: 'password', password } });
    await expect(other.finished).rejects.toThrow(
      `service user: signed in as ${user}, not root: provisioning cannot create the service user flotilla or run the node as it.`,
    );
    await expect(other.finished).rejects.toThrow('Fix: Sign in as root');
  }, 180_000);

  it('removal leaves nothing of root behind: what stays is the service user’s, and a purge leaves nothing', async () => {
    const events: ProvisionEvent[] = [];
    const remove = (purge: boolean) =>
      removeNode({ host: node1, auth, http: cluster.http, onEvent: (event) => events.push(event), purge });
    await remove(false);
    expect(events.find((event) => event.step === 'uninstall' && event.status === 'done')?.detail).toBe(
      `uninstalled; logs kept in ${node1.installRoot}/home; the service user flotilla stays`,
    );
    const flotilla = await uidOf('flotilla');
    const home = path.join(node1.installRoot, 'home');
    expect(await readdir(node1.installRoot)).toEqual(['home']);
    // The supervisor's output and the node's own rotated log (logs/node.log) stay.
    expect((await readdir(home)).sort()).toEqual(['logs', 'node.log']);
    for (const kept of [
      home,
      path.join(home, 'node.log'),
      path.join(home, 'logs'),
      path.join(home, 'logs', 'node.log'),
    ])
      expect((await stat(kept)).uid, kept).toBe(flotilla);

    await remove(true);
    await expect(stat(node1.installRoot)).rejects.toThrow(/ENOENT/);
  }, 120_000);
});

function details(events: ProvisionEvent[], step: ProvisionEvent['step']): string[] {
  return events
    .filter((event) => event.step === step && event.status === 'progress')
    .map((event) => event.detail);
}
