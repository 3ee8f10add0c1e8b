import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { NODE_PING_PATH } from '@flotilla/server-node/api';
import type { BalancerServerDto } from '@flotilla/server-node/api';
import { TestCluster } from '@flotilla/server-node/test-support/test-cluster';
import { SshConnection } from '../ssh/ssh-connection.js';
import { SshdHost, sshdSpec } from '../test-support/sshd-host.js';
import { balancerMember } from './balancer-member.js';
import { HaproxyBalancer, HaproxyConfigInvalidError } from './haproxy-balancer.js';
import { HaproxyReloadError } from './haproxy-master.js';
import { LocalHaproxy } from './local-haproxy.js';
import { SshBalancerHost } from './ssh-balancer-host.js';

// Two cores shared with other work: conditions may take a while, they are still conditions.
const WAIT = { timeout: 15_000 };

/** Which node answered each of `count` requests through the balancer, sent one after another. */
async function spread(url: string, count = 30): Promise<Record<string, number>> {
  const perNode: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const response = await fetch(url + NODE_PING_PATH);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    const node = response.headers.get('x-flotilla-node') ?? '?';
    perNode[node] = (perNode[node] ?? 0) + 1;
  }
  return perNode;
}

/**
 * `concurrency` loops of GET requests through the balancer until `stop()`, counting failures. The
 * load also stops when the test ends, pass or fail, so it never spills into the next test.
 */
function steadyLoad(url: string, concurrency: number) {
  const counts = { ok: 0, failed: 0 };
  const failures: string[] = [];
  let stopped = false;
  // Bounded whatever happens: loopback only, and never longer than 20 s.
  const deadline = Date.now() + 20_000;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped && Date.now() < deadline) {
      const outcome = await fetch(url + NODE_PING_PATH, { signal: AbortSignal.timeout(5000) }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200 ? 'ok' : `HTTP ${response.status}`;
        },
        (error: Error) => `${error.name}: ${error.message} (${String(error.cause)})`,
      );
      if (outcome === 'ok') counts.ok++;
      else {
        counts.failed++;
        failures.push(outcome);
      }
    }
  });
  const stop = async () => {
    stopped = true;
    await Promise.all(loops);
  };
  onTestFinished(stop);
  return { counts, failures, stop };
}

describe('HAProxy in front of a real three-node cluster', () => {
  const cluster = new TestCluster();
  let dir = '';
  let haproxy: LocalHaproxy | undefined;
  let sshd: SshdHost | undefined;
  let ssh: SshConnection | undefined;
  const server = async (name: string): Promise<BalancerServerDto | undefined> =>
    (await haproxy!.balancer.stats()).servers.find((s) => s.name === name);

  beforeAll(async () => {
    await cluster.create({ nodes: 3 });
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-haproxy-'));
    haproxy = await LocalHaproxy.start({
      dir,
      cluster: 'test',
      servers: [...cluster.nodes.values()].map((node) => balancerMember(node.name, node.url)),
    });
  });
  afterAll(async () => {
    await ssh?.close();
    await sshd?.stop();
    await haproxy?.stop();
    await cluster.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('spreads traffic over every node', async () => {
    const stats = await haproxy!.balancer.stats();
    expect(stats.kind).toBe('haproxy');
    expect(stats.servers.map((s) => [s.name, s.adminState, s.checkStatus])).toEqual([
      ['node-1', 'ready', 'up'],
      ['node-2', 'ready', 'up'],
      ['node-3', 'ready', 'up'],
    ]);
    expect(stats.servers[0]?.address).toBe(new URL(cluster.node('node-1').url).host);
    const perNode = await spread(haproxy!.url);
    expect(Object.keys(perNode).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    for (const count of Object.values(perNode)) expect(count).toBe(10);
    expect((await server('node-1'))?.totalRequests).toBeGreaterThanOrEqual(10);
  });

  it('drains a node (no new requests), puts it in maintenance, and back in rotation', async () => {
    await haproxy!.balancer.setServerState('node-2', 'drain');
    expect(await server('node-2')).toMatchObject({ adminState: 'drain', checkStatus: 'up' });
    expect((await spread(haproxy!.url))['node-2']).toBeUndefined();

    await haproxy!.balancer.setServerState('node-2', 'maint');
    // HAProxy does not check a server in maintenance.
    expect(await server('node-2')).toMatchObject({ adminState: 'maint', checkStatus: 'unchecked' });
    expect((await spread(haproxy!.url))['node-2']).toBeUndefined();

    await haproxy!.balancer.setServerState('node-2', 'ready');
    expect((await server('node-2'))?.adminState).toBe('ready');
    await expect.poll(async () => (await spread(haproxy!.url, 6))['node-2'] ?? 0, WAIT).toBeGreaterThan(0);
  });

  it('adds a fourth node at runtime, and a reload under load keeps it, its traffic and drain states', async () => {
    const node = await cluster.addNode('node-4');
    await haproxy!.balancer.addServer(balancerMember('node-4', node.url));
    // It takes users only once its ping passed `rise` checks.
    await expect.poll(async () => (await server('node-4'))?.checkStatus, WAIT).toBe('up');
    await expect.poll(async () => (await spread(haproxy!.url, 8))['node-4'] ?? 0, WAIT).toBeGreaterThan(0);
    expect((await haproxy!.balancer.configuredServers()).map((s) => s.name)).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-4',
    ]);
    await expect(haproxy!.balancer.addServer(balancerMember('node-4', node.url))).rejects.toThrow(
      /already has/,
    );

    await haproxy!.balancer.setServerState('node-1', 'drain');
    const load = steadyLoad(haproxy!.url, 20);
    await expect.poll(() => load.counts.ok, WAIT).toBeGreaterThan(200);
    const before = await haproxy!.balancer.master.processes();
    const reload = await haproxy!.balancer.reload();
    const okAtReload = load.counts.ok;
    await expect.poll(() => load.counts.ok, WAIT).toBeGreaterThan(okAtReload + 200);
    await load.stop();
    console.log(
      `reload: worker ${before.workers[0]?.pid} -> ${reload.workerPid} in ${reload.durationMs} ms; ` +
        `requests during it: ${load.counts.ok} ok, ${load.counts.failed} failed`,
    );
    expect(load.failures).toEqual([]);
    expect(reload.workerPid).not.toBe(before.workers[0]?.pid);

    expect(await server('node-1')).toMatchObject({ adminState: 'drain' });
    expect((await server('node-4'))?.adminState).toBe('ready');
    await expect.poll(async () => (await spread(haproxy!.url, 8))['node-4'] ?? 0, WAIT).toBeGreaterThan(0);
    await haproxy!.balancer.setServerState('node-1', 'ready');
  });

  it("refuses an invalid configuration with haproxy's error and keeps the running one", async () => {
    const current = await readFile(haproxy!.configFile, 'utf8');
    const broken = current.replace('balance roundrobin', 'balance sideways');
    await expect(haproxy!.balancer.applyConfig(broken)).rejects.toThrow(HaproxyConfigInvalidError);
    await expect(haproxy!.balancer.applyConfig(broken)).rejects.toThrow(/balance only supports/);
    expect(await readFile(haproxy!.configFile, 'utf8')).toBe(current);
    expect(Object.keys(await spread(haproxy!.url, 8)).length).toBeGreaterThan(1);
  });

  it('reports a reload that failed on a hand-broken haproxy.cfg, while the old worker keeps serving', async () => {
    const current = await readFile(haproxy!.configFile, 'utf8');
    await writeFile(haproxy!.configFile, current.replace('balance roundrobin', 'balance sideways'));
    await expect(haproxy!.balancer.reload()).rejects.toThrow(HaproxyReloadError);
    expect(Object.keys(await spread(haproxy!.url, 8)).length).toBeGreaterThan(1);
    await writeFile(haproxy!.configFile, current);
    expect((await haproxy!.balancer.reload()).workerPid).toBeGreaterThan(0);
    expect(Object.keys(await spread(haproxy!.url, 8)).length).toBeGreaterThan(1);
  });

  it('reads and sets the same state through the SSH layer', async () => {
    sshd = await SshdHost.start({ address: '127.0.0.3' });
    ssh = await SshConnection.connect(sshdSpec(sshd), { hostKey: sshd.hostKeyFingerprint });
    const remote = new HaproxyBalancer({
      host: new SshBalancerHost(ssh),
      configFile: haproxy!.configFile,
      runtimeSocket: path.join(dir, 'runtime.sock'),
      masterSocket: path.join(dir, 'master.sock'),
      stateFile: path.join(dir, 'server-state'),
    });
    const shape = (servers: BalancerServerDto[]) =>
      servers.map(({ name, address, adminState, checkStatus }) => ({
        name,
        address,
        adminState,
        checkStatus,
      }));
    const overSsh = await remote.stats();
    expect(overSsh.kind).toBe('haproxy');
    expect(shape(overSsh.servers)).toEqual(shape((await haproxy!.balancer.stats()).servers));
    expect(overSsh.servers).toHaveLength(4);

    await remote.setServerState('node-3', 'drain');
    expect((await server('node-3'))?.adminState).toBe('drain');
    await remote.setServerState('node-3', 'ready');
    expect((await remote.configuredServers()).map((s) => s.name)).toContain('node-4');
    expect((await remote.validate('global\n    bogus-keyword 1\n')).output).toMatch(
      /\[ALERT\].*bogus-keyword/,
    );
  });

  it('removes a node: out of rotation and out of haproxy.cfg', async () => {
    await haproxy!.balancer.removeServer('node-4');
    expect((await haproxy!.balancer.stats()).servers.map((s) => s.name)).toEqual([
      'node-1',
      'node-2',
      'node-3',
    ]);
    expect((await haproxy!.balancer.configuredServers()).map((s) => s.name)).toEqual([
      'node-1',
      'node-2',
      'node-3',
    ]);
    expect((await spread(haproxy!.url))['node-4']).toBeUndefined();
  });

  it('loses no request when a node is killed under load, and marks it down within 2 s', async () => {
    const load = steadyLoad(haproxy!.url, 30);
    await expect.poll(() => load.counts.ok, WAIT).toBeGreaterThan(500);
    await cluster.kill('node-3');
    const killedAt = Date.now();
    await expect
      .poll(async () => (await server('node-3'))?.checkStatus, { interval: 20, timeout: 5000 })
      .toBe('down');
    const msToDown = Date.now() - killedAt;
    const okAtDown = load.counts.ok;
    // Keep the load on a while after the node is gone.
    await expect.poll(() => load.counts.ok, WAIT).toBeGreaterThan(okAtDown + 2000);
    await load.stop();
    console.log(
      `kill -9 under load: ${load.counts.ok} ok, ${load.counts.failed} failed; DOWN after ${msToDown} ms`,
      load.failures.slice(0, 5),
    );
    expect(load.failures).toEqual([]);
    expect(msToDown).toBeLessThan(2000);
    expect((await spread(haproxy!.url))['node-3']).toBeUndefined();
  });

  it('marks an idle killed node down by its health checks alone within 2 s', async () => {
    await cluster.kill('node-2');
    const killedAt = Date.now();
    await expect
      .poll(async () => (await server('node-2'))?.checkStatus, { interval: 20, timeout: 5000 })
      .toBe('down');
    const msToDown = Date.now() - killedAt;
    console.log(`kill -9 without traffic: DOWN after ${msToDown} ms (health checks only)`);
    expect(msToDown).toBeLessThan(2000);
    expect(await spread(haproxy!.url, 4)).toEqual({ 'node-1': 4 });
  });
});
