import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pingNode } from '../cluster-client/node-ping.js';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { probeHostKey } from '../ssh/index.js';
import { SshdHost } from '../test-support/sshd-host.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { loadHostAuth, saveHostCredential } from './host-credentials.js';
import type { ProvisionHost } from './provision-host.js';
import { provisionNode, type ProvisionOptions } from './provision-node.js';
import { removeNode } from './remove-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { readServerBundle, type ServerBundle } from './server-bundle.js';
import { buildServerBundle } from './test-support/build-server-bundle.js';
import { isAlive, remoteHostEntry, remoteLogTail, stopSupervisor } from './test-support/remote-host.js';
import { startSandboxCluster, type SandboxCluster } from './test-support/sandbox-cluster.js';

describe('provisioning a node over SSH into a sandbox cluster', () => {
  let dir: string;
  let bundle: ServerBundle;
  let cluster: SandboxCluster;
  let sshd: SshdHost;
  const vault = new MemoryVault();
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-provision-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The nodes run as the service user flotilla, which must reach their install roots under it.
    await chmod(dir, 0o711);
    bundle = await readServerBundle(await buildServerBundle(path.join(dir, 'bundles')));
    cluster = await startSandboxCluster();
    cleanups.push(() => cluster.stop());
    sshd = await SshdHost.start({ address: '127.0.0.2' });
    cleanups.push(() => sshd.stop());
    await saveHostCredential(vault, 'host-a', { kind: 'key', privateKey: sshd.clientPrivateKey });
  }, 300_000);
  afterAll(async () => {
    // Every process goes, even when stopping one of them fails; the first failure is reported after.
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 120_000);

  // A failure here is usually the cluster's: its own log says why (CI shows only the test output).
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    console.error(`sandbox log:\n${await cluster.recentLog()}`);
    if ((remote1 as ProvisionHost | undefined) !== undefined)
      console.error(`remote-1 log:\n${await remoteLogTail(remote1.installRoot)}`);
  });

  /** A host entry for the test sshd, its install root in the test folder; the node listens on 127.0.0.2. */
  const hostEntry = (name: string, changes: Partial<ProvisionHost> = {}) =>
    remoteHostEntry(
      sshd,
      { id: 'host-a', clusterId: cluster.access.clusterId, name, installRoot: path.join(dir, name) },
      changes,
    );

  const provision = async (host: ProvisionHost, changes: Partial<ProvisionOptions> = {}) => {
    const events: ProvisionEvent[] = [];
    const finished = provisionNode({
      host,
      auth: await loadHostAuth(vault, host),
      bundle,
      cluster: cluster.access,
      onEvent: (event) => events.push(event),
      ...changes,
    });
    return { finished, events };
  };

  /** The node the first test provisions; later tests crash and remove it. */
  let remote1: ProvisionHost;

  it('resumes a half-finished provisioning; the node joins the cluster and takes tasks', async () => {
    const host = await hostEntry('remote-1');
    remote1 = host;
    const first = await provision(host, { stopAfter: 'upload' });
    expect(await first.finished).toBe(false);
    expect(first.events).toContainEqual(expect.objectContaining({ step: 'upload', status: 'done' }));
    expect(first.events.some((event) => event.step === 'upload' && /^100% of/.test(event.detail))).toBe(true);
    expect(first.events.map((event) => event.step)).not.toContain('install');
    const preflight = first.events.filter(
      (event) => event.step === 'preflight' && event.status === 'progress',
    );
    expect(preflight.map((event) => event.detail.split(':')[0])).toEqual([
      'PASS os',
      'PASS disk',
      'PASS port',
      'PASS database',
      'PASS service user',
      'PASS shared storage',
      'PASS clock',
    ]);

    const second = await provision(host);
    cleanups.push(() => stopSupervisor(host.installRoot));
    expect(await second.finished).toBe(true);
    const outcome = (step: string) =>
      second.events.filter((event) => event.step === step && event.status !== 'started').at(-1)?.status;
    expect(outcome('upload')).toBe('skipped');
    for (const step of ['verify', 'install', 'check', 'start', 'wait'])
      expect(outcome(step), step).toBe('done');
    // The node's own doctor measured the clock against the database, from the host.
    expect(details(second.events, 'check')).toContainEqual(expect.stringMatching(/^PASS clock: [\d.]+ ms/));

    // The config holds the secrets: readable by the service user only.
    expect((await stat(path.join(host.installRoot, 'home', 'flotilla.json'))).mode & 0o777).toBe(0o600);
    const nodes = await cluster.api.listNodes();
    expect(nodes.find((node) => node.name === 'remote-1')).toMatchObject({
      state: 'running',
      url: host.node.publicUrl,
    });

    // Provisioned means in the balancer's rotation too: with the sandbox's own node drained, the
    // balancer still has a node to send users to, and only the provisioned node takes the task.
    expect(
      second.events.find((event) => event.step === 'balancer' && event.status === 'done')?.detail,
    ).toMatch(/in rotation/);
    await cluster.api.setDrain('node-1', true);
    try {
      const { id } = await cluster.api.createTask({ kind: 'noop' });
      await expect
        .poll(async () => (await cluster.api.getTask(id)).state, { timeout: 30_000 })
        .toBe('succeeded');
      expect((await cluster.api.getTask(id)).node).toBe('remote-1');
    } finally {
      await cluster.api.setDrain('node-1', false);
    }

    // Running it again changes nothing: every step is done or skipped.
    const third = await provision(host);
    expect(await third.finished).toBe(true);
    expect(third.events.filter((event) => event.status === 'failed')).toEqual([]);
    expect(third.events).toContainEqual(expect.objectContaining({ step: 'start', status: 'skipped' }));
  });

  it('restarts a node that crashed (kill -9) from its supervisor', async () => {
    const nodePidFile = path.join(remote1.installRoot, 'home', 'node.pid');
    const crashed = Number(await readFile(nodePidFile, 'utf8'));
    process.kill(crashed, 'SIGKILL');
    await expect
      .poll(
        async () => {
          const pid = Number(await readFile(nodePidFile, 'utf8').catch(() => '0'));
          const ping = await pingNode(remote1.node.publicUrl);
          return pid !== 0 && pid !== crashed && isAlive(pid) && ping?.state === 'running';
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBe(true);
    expect(await readFile(path.join(remote1.installRoot, 'home', 'node.log'), 'utf8')).toMatch(
      /flotilla-supervise: node exited with 137, restarting/,
    );
  }, 120_000);

  it('removes the node: drained, stopped, deleted from the cluster, its files purged', async () => {
    const supervisorPid = Number(
      await readFile(path.join(remote1.installRoot, 'home', 'supervisor.pid'), 'utf8'),
    );
    const events: ProvisionEvent[] = [];
    const remove = async () =>
      removeNode({
        host: remote1,
        auth: await loadHostAuth(vault, remote1),
        http: cluster.http,
        onEvent: (event) => events.push(event),
        purge: true,
      });
    await remove();
    expect(events.filter((event) => event.status === 'done').map((event) => event.step)).toEqual([
      'connect',
      'drain',
      'idle',
      'stop',
      'deregister',
      'uninstall',
    ]);
    expect(isAlive(supervisorPid)).toBe(false);
    const nodes = await cluster.api.listNodes();
    expect(nodes.map((node) => node.name)).toEqual(['node-1']);
    await expect(stat(remote1.installRoot)).rejects.toThrow(/ENOENT/);

    // Removing it again finds nothing left to do.
    events.length = 0;
    await remove();
    expect(events.filter((event) => event.status === 'failed')).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ step: 'deregister', status: 'skipped' }));
  });

  it('preflight reports an unreachable database from the host, before uploading anything', async () => {
    const closedPort = await findFreePort(0, '127.0.0.1');
    const dbUrl = new URL(cluster.access.dbUrl);
    dbUrl.port = String(closedPort);
    const host = await hostEntry('remote-bad-db');
    const { finished, events } = await provision(host, {
      cluster: { ...cluster.access, dbUrl: dbUrl.toString() },
    });
    await expect(finished).rejects.toMatchObject({ name: 'ProvisionError', step: 'preflight' });
    await expect(finished).rejects.toThrow(
      `database: 127.0.0.1:${closedPort} is not reachable from the host`,
    );
    expect(details(events, 'preflight')).toContainEqual(
      expect.stringMatching(new RegExp(`^FAIL database: 127.0.0.1:${closedPort} is not reachable`)),
    );
    expect(details(events, 'preflight')).toContainEqual(expect.stringMatching(/^PASS shared storage/));
    expect(events.find((event) => event.status === 'failed')?.detail).toMatch(/Fix: Make PostgreSQL listen/);
    expect(events.map((event) => event.step)).not.toContain('upload');
  });

  it('trusts a new host only after the admin confirmed the fingerprint it presented', async () => {
    const unconfirmed = await hostEntry('remote-new', { hostKey: null });
    const refused = await provision(unconfirmed);
    await expect(refused.finished).rejects.toMatchObject({ step: 'connect' });
    await expect(refused.finished).rejects.toThrow(`(${sshd.hostKeyFingerprint}) has not been confirmed yet`);

    // The console shows the probed fingerprint; the admin compares it with ssh-keygen -lf on the host.
    const presented = await probeHostKey({ host: sshd.address, port: sshd.port });
    expect(presented.fingerprint).toBe(sshd.hostKeyFingerprint);
    const accepted = await provision(
      { ...unconfirmed, hostKey: presented.fingerprint },
      { stopAfter: 'preflight' },
    );
    expect(await accepted.finished).toBe(false);
  });

  it('refuses a host whose key changed, before signing in', async () => {
    const other = await SshdHost.start({ address: '127.0.0.3' });
    cleanups.push(() => other.stop());
    // The pinned key is another host's: what a man in the middle would look like.
    const host = await hostEntry('remote-mitm', { hostKey: other.hostKeyFingerprint });
    const { finished, events } = await provision(host);
    await expect(finished).rejects.toMatchObject({ step: 'connect' });
    await expect(finished).rejects.toThrow(
      /host key of root@127\.0\.0\.2:\d+ has changed.*Fix: Compare the fingerprint/,
    );
    expect(events.map((event) => event.step)).toEqual(['connect', 'connect']);
  });

  it('reports a wrong password as such', async () => {
    const host = await hostEntry('remote-wrong-password', { authKind: 'password' });
    const { finished } = await provision(host, { auth: { kind: 'password', password: 'not-the-password' } });
    await expect(finished).rejects.toMatchObject({ step: 'connect' });
    await expect(finished).rejects.toThrow(
      /authentication as root@127\.0\.0\.2:\d+ failed \(password\).*Fix: Correct/,
    );
  });
});

/** The progress lines of one step, e.g. `PASS database: …`. */
function details(events: ProvisionEvent[], step: ProvisionEvent['step']): string[] {
  return events
    .filter((event) => event.step === step && event.status === 'progress')
    .map((event) => event.detail);
}
