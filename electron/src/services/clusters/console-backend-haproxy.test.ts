import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '@flotilla/server-node/test-support/test-cluster';
import { balancerMember } from '../balancer/balancer-member.js';
import { LocalHaproxy } from '../balancer/local-haproxy.js';
import { SshdHost } from '../test-support/sshd-host.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { ClusterStore } from './cluster-store.js';
import { INVOKE } from '../../common/contract.js';
import { ConsoleBackend } from './console-backend.js';

const WAIT = { timeout: 15_000 };

describe('the console backend with a cluster behind a local HAProxy', () => {
  const cluster = new TestCluster();
  let dir = '';
  let haproxy: LocalHaproxy | undefined;
  let backend: ConsoleBackend | undefined;
  let sshd: SshdHost | undefined;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-backend-haproxy-'));
    haproxy = await LocalHaproxy.start({
      dir: file('haproxy'),
      cluster: 'test',
      servers: [...cluster.nodes.values()].map((node) => balancerMember(node.name, node.url)),
    });
    const vault = new MemoryVault();
    const store = new ClusterStore(file('clusters.json'), vault);
    backend = new ConsoleBackend({
      store,
      push: () => undefined,
      info: { transport: 'web', version: '0', configDir: dir },
      sandbox: { cliPath: 'none', dir: file('sandbox') },
      sampleMs: 200,
      hosts: { file: file('hosts.json'), vault, bundlesDir: dir },
    });
    // HAProxy "on a host": this machine again, reached over SSH as the console reaches any inventory host.
    sshd = await SshdHost.start({ address: '127.0.0.8' });
    await backend.handlers[INVOKE.clusters.add]({
      name: 'HA',
      balancerUrl: haproxy.url,
      apiKey: cluster.apiKey,
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await sshd?.stop();
    await haproxy?.stop();
    await cluster.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The backend drives HAProxy only for an administrator's key, which it learns from the cluster. */
  const roleKnown = () =>
    expect
      .poll(async () => (await backend!.handlers[INVOKE.clusters.getSnapshot]())?.connection.role, WAIT)
      .toBe('administrator');

  it('refuses a socket HAProxy does not listen on, saving nothing', async () => {
    const handlers = backend!.handlers;
    await roleKnown();
    await expect(
      handlers[INVOKE.balancer.setSettings]({
        kind: 'haproxy',
        where: 'local',
        runtimeSocket: file('haproxy/missing.sock'),
      }),
    ).rejects.toThrow(/missing\.sock.*ENOENT.*Nothing was saved/s);
    expect(await handlers[INVOKE.balancer.getSettings]()).toEqual({ kind: 'builtin' });
    expect(await readFile(file('clusters.json'), 'utf8')).not.toContain('haproxy');
  });

  it('reads and controls HAProxy once it is the cluster balancer', async () => {
    const handlers = backend!.handlers;
    await roleKnown();
    const settings = {
      kind: 'haproxy',
      where: 'local',
      configFile: file('haproxy/haproxy.cfg'),
      runtimeSocket: file('haproxy/runtime.sock'),
      masterSocket: file('haproxy/master.sock'),
      stateFile: file('haproxy/server-state'),
    } as const;
    expect(await handlers[INVOKE.balancer.setSettings](settings)).toEqual(settings);
    expect(await handlers[INVOKE.balancer.getSettings]()).toEqual(settings);

    // The monitor now samples HAProxy, so the snapshot (pushed to the view) carries its stats.
    await expect
      .poll(async () => {
        const stats = await handlers[INVOKE.balancer.getStats]();
        return stats && [stats.kind, stats.servers.map((server) => [server.name, server.adminState])];
      }, WAIT)
      .toEqual([
        'haproxy',
        [
          ['node-1', 'ready'],
          ['node-2', 'ready'],
        ],
      ]);

    // The settings reconnected: the key's role is asked again before HAProxy may be driven.
    await roleKnown();
    expect(await handlers[INVOKE.balancer.setServerState]('node-2', 'drain')).toMatchObject({
      name: 'node-2',
      adminState: 'drain',
    });
    const live = await haproxy!.balancer.stats();
    expect(live.servers.find((server) => server.name === 'node-2')?.adminState).toBe('drain');
    await expect
      .poll(
        async () =>
          (await handlers[INVOKE.balancer.getStats]())?.servers.find((server) => server.name === 'node-2')
            ?.adminState,
        WAIT,
      )
      .toBe('drain');

    expect(await handlers[INVOKE.balancer.setServerState]('node-2', 'ready')).toMatchObject({
      adminState: 'ready',
    });
    // Back to the built-in setting, which needs no check.
    expect(await handlers[INVOKE.balancer.setSettings]({ kind: 'builtin' })).toEqual({ kind: 'builtin' });
    expect(await handlers[INVOKE.balancer.getSettings]()).toEqual({ kind: 'builtin' });
  });

  it('drives an HAProxy on a host of the inventory over SSH, checked by reading its stats before saving', async () => {
    const handlers = backend!.handlers;
    await roleKnown();
    const probe = await handlers[INVOKE.hosts.probe]({ address: sshd!.address, sshPort: sshd!.port });
    const host = await handlers[INVOKE.hosts.add]({
      address: sshd!.address,
      sshPort: sshd!.port,
      username: 'root',
      authKind: 'key',
      privateKey: sshd!.clientPrivateKey,
      fingerprint: probe.fingerprint,
    });
    const paths = {
      configFile: file('haproxy/haproxy.cfg'),
      runtimeSocket: file('haproxy/runtime.sock'),
      masterSocket: file('haproxy/master.sock'),
      stateFile: file('haproxy/server-state'),
    };
    await expect(
      handlers[INVOKE.balancer.setSettings]({
        kind: 'haproxy',
        where: 'host',
        hostId: host.id,
        ...paths,
        runtimeSocket: file('haproxy/missing.sock'),
      }),
    ).rejects.toThrow(
      new RegExp(
        `on ${sshd!.address} with that admin socket, that socat is installed there.*Nothing was saved`,
        's',
      ),
    );
    await expect(
      handlers[INVOKE.balancer.setSettings]({ kind: 'haproxy', where: 'host', hostId: 'nope' }),
    ).rejects.toThrow(/No host with id nope/);
    expect(await handlers[INVOKE.balancer.getSettings]()).toEqual({ kind: 'builtin' });

    const saved = await handlers[INVOKE.balancer.setSettings]({
      kind: 'haproxy',
      where: 'host',
      hostId: host.id,
      ...paths,
    });
    expect(saved).toEqual({
      kind: 'haproxy',
      where: 'host',
      hostId: host.id,
      address: sshd!.address,
      ...paths,
    });
    await expect
      .poll(async () => {
        const stats = await handlers[INVOKE.balancer.getStats]();
        return stats && [stats.kind, stats.servers.map((server) => server.name)];
      }, WAIT)
      .toEqual(['haproxy', ['node-1', 'node-2']]);
    await roleKnown();
    expect(await handlers[INVOKE.balancer.setServerState]('node-1', 'maint')).toMatchObject({
      adminState: 'maint',
    });
    expect(
      (await haproxy!.balancer.stats()).servers.find((server) => server.name === 'node-1')?.adminState,
    ).toBe('maint');
    expect(await handlers[INVOKE.balancer.setServerState]('node-1', 'ready')).toMatchObject({
      adminState: 'ready',
    });
    expect(await handlers[INVOKE.balancer.setSettings]({ kind: 'builtin' })).toEqual({ kind: 'builtin' });
  });
});
