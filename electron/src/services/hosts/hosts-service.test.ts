import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODES_PATH } from '@flotilla/server-node/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEntryDto, ConsoleRole, PushContract, PushEvent } from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { SshdHost } from '../test-support/sshd-host.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { HostsService } from './hosts-service.js';

const DB_PASSWORD = 'db-secret-4711';
const MASTER_KEY = 'master-key-0815-secret';

describe('the hosts service', () => {
  let dir: string;
  let sshd: SshdHost;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-hosts-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // A stand-in bundle: every action here stops before anything is uploaded.
    await writeFile(path.join(dir, 'flotilla-node-0.1.0-linux-x64.tar.gz'), 'not a real bundle');
    sshd = await SshdHost.start({ address: '127.0.0.4' });
    cleanups.push(() => sshd.stop());
  }, 60_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A service on a remote cluster whose API answers only what provisioning asks first. */
  function setup(role: ConsoleRole = 'administrator', file = 'hosts.json') {
    const pushes: { event: PushEvent; payload: unknown }[] = [];
    const vault = new MemoryVault();
    const entry: ClusterEntryDto = {
      id: 'cluster-1',
      name: 'Production',
      balancerUrl: 'http://127.0.0.1:9',
      nodeUrls: [],
      kind: 'remote',
      createdAt: new Date().toISOString(),
    };
    // Only what provisioning asks the cluster before anything reaches the host.
    const http = {
      json: (_method: string, url: string) =>
        Promise.resolve(
          url === NODES_PATH
            ? [{ name: 'node-1', state: 'running', lastSeen: new Date().toISOString(), lastSeenAgeMs: 0 }]
            : { clusterId: 'c-1', sharedDir: path.join(dir, 'shared') },
        ),
    } as unknown as ClusterHttp;
    const service = new HostsService({
      file: path.join(dir, file),
      vault,
      bundlesDir: dir,
      version: '0.1.0',
      push: <E extends PushEvent>(event: E, payload: PushContract[E]) => void pushes.push({ event, payload }),
      active: () => ({ entry, http, role: () => Promise.resolve(role) }),
      sandbox: () => null,
      sshTimeoutMs: 5000,
    });
    return { service, handlers: service.handlers, pushes, vault };
  }

  const hostInput = (fingerprint: string, server = sshd) => ({
    address: server.address,
    sshPort: server.port,
    username: 'root',
    authKind: 'key' as const,
    privateKey: server.clientPrivateKey,
    fingerprint,
  });

  const nodeInput = (hostId: string, name = 'node-9') => ({
    hostId,
    nodeName: name,
    listenHost: sshd.address,
    port: 18999,
    publicUrl: `http://${sshd.address}:18999`,
    installRoot: path.join(dir, 'root', name),
  });

  it('adds a host only with the key the host really presents, and warns when it presents another', async () => {
    const { handlers } = setup('administrator', 'hosts-key.json');
    const probed = await handlers[INVOKE.hosts.probe]({ address: sshd.address, sshPort: sshd.port });
    expect(probed).toMatchObject({ fingerprint: sshd.hostKeyFingerprint, keyType: 'ssh-ed25519' });
    // Nothing is pinned by a probe.
    expect(await handlers[INVOKE.hosts.list]()).toEqual([]);

    const otherKey = 'SHA256:' + 'A'.repeat(43);
    await expect(handlers[INVOKE.hosts.add](hostInput(otherKey))).rejects.toThrow(
      new RegExp(
        `^Warning: .* now presents the key ${escape(sshd.hostKeyFingerprint)}, not the ${otherKey} you confirmed\\. Nothing was saved`,
      ),
    );
    expect(await handlers[INVOKE.hosts.list]()).toEqual([]);

    const host = await handlers[INVOKE.hosts.add](hostInput(probed.fingerprint));
    expect(host).toMatchObject({ hostKey: sshd.hostKeyFingerprint, hostKeyType: 'ssh-ed25519', node: null });
    expect(host.os?.kernel).toMatch(/\d/);
    expect(await handlers[INVOKE.hosts.list]()).toEqual([host]);
  });

  it('stops a node action at "connect" with a clear warning once the host key changed', async () => {
    const { service, handlers } = setup('administrator', 'hosts-changed.json');
    await handlers[INVOKE.hosts.setSettings]({
      dbUrl: `postgres://flotilla:${DB_PASSWORD}@127.0.0.1:1/flotilla`,
      masterKey: MASTER_KEY,
    });
    const host = await handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint));
    // The same address and port, now answered by a machine with another key.
    const impostor = await SshdHost.start({ address: '127.0.0.5' });
    cleanups.push(() => impostor.stop());
    const pinnedElsewhere = await handlers[INVOKE.hosts.add](
      hostInput(impostor.hostKeyFingerprint, impostor),
    );
    await impostor.stop();
    const moved = await SshdHost.start({ address: '127.0.0.5', port: pinnedElsewhere.sshPort });
    cleanups.push(() => moved.stop());

    await handlers[INVOKE.hosts.provision](nodeInput(pinnedElsewhere.id, 'node-moved'));
    await service.idle();
    const [action] = (await handlers[INVOKE.hosts.listActions]()).filter((a) =>
      a.hostIds.includes(pinnedElsewhere.id),
    );
    expect(action).toMatchObject({ state: 'failed', failure: { step: 'connect' } });
    expect(action!.failure!.reason).toMatch(/host key of root@127\.0\.0\.5:\d+ has changed/);
    expect(action!.failure!.fix).toMatch(/Compare the fingerprint/);
    // The host keeps the key the admin confirmed; the other host is unaffected.
    expect((await handlers[INVOKE.hosts.list]()).map((h) => h.hostKey)).toEqual([
      host.hostKey,
      impostor.hostKeyFingerprint,
    ]);
  }, 60_000);

  it('runs one action per host at a time; a second one gets a clear error', async () => {
    const { service, handlers } = setup('administrator', 'hosts-busy.json');
    await handlers[INVOKE.hosts.setSettings]({
      dbUrl: `postgres://flotilla:${DB_PASSWORD}@127.0.0.1:1/flotilla`,
      masterKey: MASTER_KEY,
    });
    const host = await handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint));
    const first = await handlers[INVOKE.hosts.provision](nodeInput(host.id));
    expect(first.state).toBe('running');
    expect((await handlers[INVOKE.hosts.list]())[0]!.busyWith).toBe(first.title);
    await expect(handlers[INVOKE.hosts.provision](nodeInput(host.id))).rejects.toThrow(
      `${sshd.address} is busy with "Provision node-9 on ${sshd.address}": one action per host at a time.`,
    );
    await expect(handlers[INVOKE.hosts.remove](host.id)).rejects.toThrow(/is busy with/);
    await service.idle();
    // The preflight could not reach the database: the failure names the step, the reason and the fix.
    const [ended] = await handlers[INVOKE.hosts.listActions]();
    expect(ended).toMatchObject({ state: 'failed', failure: { step: 'preflight' } });
    expect(ended!.failure!.reason).toMatch(/database: 127\.0\.0\.1:1 is not reachable from the host/);
    expect(
      ended!.events.filter((event) => event.step === 'preflight' && event.status === 'progress'),
    ).not.toEqual([]);
    expect((await handlers[INVOKE.hosts.list]())[0]).toMatchObject({
      busyWith: null,
      node: { name: 'node-9', state: 'partial' },
    });
  }, 60_000);

  it('never lets a secret out: not in DTOs, pushes, events or the inventory file', async () => {
    const { service, handlers, pushes } = setup('administrator', 'hosts-secrets.json');
    const settings = await handlers[INVOKE.hosts.setSettings]({
      dbUrl: `postgres://flotilla:${DB_PASSWORD}@127.0.0.1:1/flotilla`,
      masterKey: MASTER_KEY,
    });
    expect(settings).toMatchObject({
      source: 'saved',
      dbUrl: 'postgres://flotilla:*****@127.0.0.1:1/flotilla',
      masterKeySet: true,
      bundle: { version: '0.1.0' },
    });
    const host = await handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint));
    await handlers[INVOKE.hosts.provision](nodeInput(host.id, 'node-secret'));
    await service.idle();

    const seen = JSON.stringify([
      settings,
      await handlers[INVOKE.hosts.list](),
      await handlers[INVOKE.hosts.listActions](),
      await handlers[INVOKE.hosts.getSettings](),
      pushes,
      await readFile(path.join(dir, 'hosts-secrets.json'), 'utf8'),
    ]);
    const keyBody = sshd.clientPrivateKey.split('\n')[1]!;
    for (const secret of [DB_PASSWORD, MASTER_KEY, keyBody]) expect(seen).not.toContain(secret);
    expect(pushes.map((push) => push.event)).toContain(PUSH.hosts.actionEvent);
  }, 60_000);

  it('checks node actions before starting them, and forgets a removed host with its credential', async () => {
    const { handlers, vault } = setup('administrator', 'hosts-checks.json');
    await expect(handlers[INVOKE.hosts.rollingRestart]({ upgrade: false, minHealthy: -1 })).rejects.toThrow(
      /whole number from 0/,
    );
    await expect(handlers[INVOKE.hosts.rollingRestart]({ upgrade: false, minHealthy: 1 })).rejects.toThrow(
      /nothing to roll/,
    );
    const host = await handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint));
    await expect(handlers[INVOKE.hosts.restart](host.id)).rejects.toThrow(
      /runs no provisioned node: provision one first/,
    );
    await expect(
      handlers[INVOKE.hosts.replace]({ fromHostId: host.id, node: nodeInput(host.id), purge: false }),
    ).rejects.toThrow(/pick a host other than the one it runs on/);
    await expect(
      handlers[INVOKE.hosts.provision]({ ...nodeInput(host.id), nodeName: 'Node 9!' }),
    ).rejects.toThrow(/lower-case letters, digits and dashes/);
    expect(await vault.get(`ssh-host:${host.id}`)).not.toBeNull();
    expect(await handlers[INVOKE.hosts.remove](host.id)).toEqual([]);
    expect(await vault.get(`ssh-host:${host.id}`)).toBeNull();
  });

  it('lets only an administrator key touch hosts, and says why', async () => {
    const { handlers } = setup('deployer', 'hosts-role.json');
    await expect(handlers[INVOKE.hosts.probe]({ address: sshd.address, sshPort: sshd.port })).rejects.toThrow(
      "Hosts and node actions: Your API key's role (deployer) may not do this; it needs the administrator role.",
    );
    await expect(handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint))).rejects.toThrow(
      /administrator/,
    );
    expect(await handlers[INVOKE.hosts.list]()).toEqual([]);
  });

  it('asks for the provisioning settings and the bundle with what to do', async () => {
    const { handlers } = setup('administrator', 'hosts-settings.json');
    expect(await handlers[INVOKE.hosts.getSettings]()).toMatchObject({ source: 'missing', dbUrl: null });
    const host = await handlers[INVOKE.hosts.add](hostInput(sshd.hostKeyFingerprint));
    await expect(handlers[INVOKE.hosts.provision](nodeInput(host.id, 'node-x'))).rejects.toThrow(
      /needs its database URL \(as the hosts reach it\) and master key: enter them under "Provisioning settings"/,
    );
    await expect(handlers[INVOKE.hosts.setSettings]({ dbUrl: 'postgres://db/x' })).rejects.toThrow(
      /master key/,
    );
  });

  it('gives the msiexec line for a Windows node: properties filled in, no password, the master key as a file', async () => {
    const { handlers } = setup('administrator', 'hosts-windows.json');
    const input = { nodeName: 'win-node-1', serviceAccount: 'CORP\\flotilla$' };
    await expect(handlers[INVOKE.hosts.getWindowsInstall](input)).rejects.toThrow(
      /needs the cluster's database URL as the hosts reach it: enter it under "Provisioning settings"/,
    );
    await handlers[INVOKE.hosts.setSettings]({
      dbUrl: `postgres://flotilla:${DB_PASSWORD}@db.corp:5432/flotilla`,
      masterKey: MASTER_KEY,
    });
    const before = await handlers[INVOKE.hosts.getWindowsInstall](input);
    expect(before).toMatchObject({
      nodeName: 'win-node-1',
      msi: null,
      masterKeyFile: 'C:\\ProgramData\\Flotilla\\master.key',
    });
    expect(before.msiError).toMatch(/No Windows installer in .*npm run bundle:server/);
    await writeFile(path.join(dir, 'flotilla-node-0.1.0-win-x64.msi'), 'not a real MSI');
    const install = await handlers[INVOKE.hosts.getWindowsInstall](input);
    expect(install.msi).toEqual({ file: 'flotilla-node-0.1.0-win-x64.msi', version: '0.1.0' });
    expect(install.command).toBe(
      'msiexec /i flotilla-node-0.1.0-win-x64.msi /qn /l*v flotilla-install.log ' +
        'FLOTILLA_DB_URL=postgres://flotilla:*****@db.corp:5432/flotilla ' +
        `FLOTILLA_SHARED=${path.join(dir, 'shared')} ` +
        'FLOTILLA_MASTER_KEY_FILE=C:\\ProgramData\\Flotilla\\master.key ' +
        'FLOTILLA_NODE_NAME=win-node-1 FLOTILLA_SERVICE_ACCOUNT=CORP\\flotilla$',
    );
    for (const secret of [DB_PASSWORD, MASTER_KEY]) expect(JSON.stringify(install)).not.toContain(secret);
    // Without an account, the MSI's default (the service's virtual account).
    expect(
      (await handlers[INVOKE.hosts.getWindowsInstall]({ ...input, serviceAccount: ' ' })).command,
    ).not.toContain('FLOTILLA_SERVICE_ACCOUNT');
    // Hostile input never reaches the line.
    for (const nodeName of ['Win Node', 'a"b', 'node\nFLOTILLA_DB_URL=x', '', 'x'.repeat(64)])
      await expect(handlers[INVOKE.hosts.getWindowsInstall]({ ...input, nodeName })).rejects.toThrow(
        /lower-case letters, digits and dashes/,
      );
    for (const serviceAccount of ['CORP\\a"b', 'a b & calc', 'CORP\\x\nFLOTILLA_DB_URL=y', '$(calc)'])
      await expect(handlers[INVOKE.hosts.getWindowsInstall]({ ...input, serviceAccount })).rejects.toThrow(
        /is not an account name/,
      );
    for (const serviceAccount of ['LocalSystem', 'NT AUTHORITY\\SYSTEM'])
      await expect(handlers[INVOKE.hosts.getWindowsInstall]({ ...input, serviceAccount })).rejects.toThrow(
        /LocalSystem cannot reach an SMB shared folder/,
      );
    await expect(
      setup('deployer', 'hosts-windows-role.json').handlers[INVOKE.hosts.getWindowsInstall](input),
    ).rejects.toThrow(/administrator role/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
