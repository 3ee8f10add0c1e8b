import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE_PING_PATH } from '@flotilla/server-node/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SshAuth } from '../ssh/index.js';
import { SshdHost } from '../test-support/sshd-host.js';
import type { ProvisionHost } from './provision-host.js';
import { balancerMember } from '../balancer/balancer-member.js';
import { LocalHaproxy } from '../balancer/local-haproxy.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { ClusterHttp } from '../cluster-client/cluster-http.js';
import { pingNode } from '../cluster-client/node-ping.js';
import { haproxyNodeBalancer } from './node-balancer.js';
import { provisionNode } from './provision-node.js';
import { removeNode } from './remove-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { replaceNode } from './replace-node.js';
import { gracefulRestart } from './restart-node.js';
import { rollingRestart } from './rolling-restart.js';
import { readServerBundle, type ServerBundle } from './server-bundle.js';
import { buildServerBundle } from './test-support/build-server-bundle.js';
import { remoteHostEntry, remoteLogTail, stopSupervisor } from './test-support/remote-host.js';
import { startSandboxCluster, type SandboxCluster } from './test-support/sandbox-cluster.js';
import { finalTaskStates, startSteadyLoad } from './test-support/steady-load.js';

type NodeEvent = ProvisionEvent & { node: string };

// Three nodes provisioned from nothing onto three "hosts" (sshd on 127.0.0.2-4, each its own host key
// and install root), into the sandbox's database and shared storage. The sandbox's own node is drained
// once they serve, so the cluster under test is the three provisioned nodes, behind the built-in balancer.
describe('a cluster of provisioned nodes: restart, rolling upgrade and replace under load', () => {
  let dir: string;
  let bundle: ServerBundle;
  let cluster: SandboxCluster;
  const hosts: SshdHost[] = [];
  const nodes: { host: ProvisionHost; auth: SshAuth }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-cluster-actions-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The nodes run as the service user flotilla, which must reach their install roots under it.
    await chmod(dir, 0o711);
    bundle = await readServerBundle(await buildServerBundle(path.join(dir, 'bundles')));
    cluster = await startSandboxCluster();
    cleanups.push(() => cluster.stop());
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      const sshd = await SshdHost.start({ address });
      cleanups.push(() => sshd.stop());
      hosts.push(sshd);
    }
  }, 300_000);
  afterAll(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    console.error(`sandbox log:\n${await cluster.recentLog()}`);
    for (const { host } of nodes)
      console.error(`${host.node.name} log:\n${await remoteLogTail(host.installRoot, 30)}`);
  });

  const node = async (sshd: SshdHost, name: string) => {
    const host = await remoteHostEntry(sshd, {
      id: `host-${name}`,
      clusterId: cluster.access.clusterId,
      name,
      installRoot: path.join(dir, name),
    });
    cleanups.push(() => stopSupervisor(host.installRoot));
    return { host, auth: { kind: 'key', privateKey: sshd.clientPrivateKey } satisfies SshAuth };
  };
  const listNodes = () => cluster.api.listNodes();

  it('provisions three nodes from nothing, two at once, into a working cluster', async () => {
    for (const [index, sshd] of hosts.entries()) nodes.push(await node(sshd, `remote-${index + 1}`));
    const events: NodeEvent[] = [];
    // One host at a time is the console's rule; different hosts may go in parallel.
    const provision = (entry: (typeof nodes)[number]) =>
      provisionNode({
        ...entry,
        bundle,
        cluster: cluster.access,
        onEvent: (event) => events.push({ ...event, node: entry.host.node.name }),
      });
    expect(await provision(nodes[0]!)).toBe(true);
    expect(await Promise.all([provision(nodes[1]!), provision(nodes[2]!)])).toEqual([true, true]);
    expect(events.filter((event) => event.status === 'failed')).toEqual([]);

    await cluster.api.setDrain('node-1', true);
    const listed = await listNodes();
    for (const { host } of nodes)
      expect(listed.find((candidate) => candidate.name === host.node.name)).toMatchObject({
        state: 'running',
        version: '0.1.0',
      });
    // Users reach all three through the balancer.
    const stats = await cluster.api.balancerStats();
    expect(
      stats!.servers.filter((server) => server.checkStatus === 'up').map((server) => server.name),
    ).toEqual(expect.arrayContaining(['remote-1', 'remote-2', 'remote-3']));
  }, 300_000);

  it('restarts a node gracefully under load: no failed task, no failed request', async () => {
    const load = startSteadyLoad(cluster.api);
    const events: ProvisionEvent[] = [];
    const pidFile = path.join(nodes[1]!.host.installRoot, 'home', 'node.pid');
    const before = await readFile(pidFile, 'utf8');
    await gracefulRestart({ ...nodes[1]!, http: cluster.http, onEvent: (event) => events.push(event) });
    const report = await load.stop();

    expect(events.filter((event) => event.status === 'done').map((event) => event.step)).toEqual([
      'connect',
      'drain',
      'idle',
      'maint',
      'restart',
      'back',
      'undrain',
      'ready',
    ]);
    expect(await readFile(pidFile, 'utf8')).not.toBe(before);
    expect(report.failedRequests).toEqual([]);
    expect(report.requests).toBeGreaterThan(50);
    const states = await finalTaskStates(cluster.api, report.taskIds);
    expect(states.filter((state) => state !== 'succeeded')).toEqual([]);
    expect(states.length).toBeGreaterThan(10);
    // A clean stop marks the node offline at once, so its restart is not refused as a duplicate.
    expect(await remoteLogTail(nodes[1]!.host.installRoot, 200)).not.toMatch(/already running/);
  }, 180_000);

  it('refuses a rolling restart that would drop below the healthy floor, before touching a node', async () => {
    const events: NodeEvent[] = [];
    const roll = rollingRestart({
      nodes,
      cluster: cluster.access,
      minHealthy: 3,
      floorTimeoutMs: 2000,
      onEvent: (event) => events.push(event),
    });
    await expect(roll).rejects.toMatchObject({ name: 'ProvisionError', step: 'floor' });
    await expect(roll).rejects.toThrow(
      /remote-1: Restarting remote-1 now would leave 2 serving node\(s\) \(remote-2, remote-3\); the floor is 3\..*The roll stopped at remote-1/,
    );
    expect(events.map((event) => event.step)).toEqual(['floor', 'floor']);
  });

  it('upgrades the cluster node by node under load, never below the floor, no task or request failed', async () => {
    const next = await readServerBundle(await buildServerBundle(path.join(dir, 'bundles-next'), '0.1.1'));
    const load = startSteadyLoad(cluster.api);
    const events: NodeEvent[] = [];
    await rollingRestart({
      nodes,
      cluster: cluster.access,
      bundle: next,
      minHealthy: 2,
      onEvent: (event) => events.push(event),
    });
    const report = await load.stop();

    // Staged on every node before the first restart, then one node at a time.
    const order = events
      .filter((event) => event.status === 'done' && ['install', 'restart'].includes(event.step))
      .map((event) => `${event.step} ${event.node}`);
    expect(order).toEqual([
      'install remote-1',
      'install remote-2',
      'install remote-3',
      'restart remote-1',
      'restart remote-2',
      'restart remote-3',
    ]);
    for (const event of events.filter(
      (candidate) => candidate.step === 'floor' && candidate.status === 'done',
    ))
      expect(event.detail).toMatch(/^[23] other node\(s\) serve/);
    for (const { host } of nodes) expect((await pingNode(host.node.publicUrl))?.version).toBe('0.1.1');

    expect(report.failedRequests).toEqual([]);
    // Every node served users during the roll.
    for (const { host } of nodes) expect(report.servedBy.get(host.node.name) ?? 0).toBeGreaterThan(0);
    const states = await finalTaskStates(cluster.api, report.taskIds);
    expect(states.filter((state) => state !== 'succeeded')).toEqual([]);
    expect(states.length).toBeGreaterThan(20);
  }, 300_000);

  it('replaces a node with one on another host: the new one serves before the old one goes', async () => {
    const sshd = await SshdHost.start({ address: '127.0.0.5' });
    cleanups.push(() => sshd.stop());
    const successor = await node(sshd, 'remote-4');
    const old = nodes[2]!;
    const next = await readServerBundle(
      path.join(dir, 'bundles-next', 'flotilla-node-0.1.1-linux-x64.tar.gz'),
    );
    const load = startSteadyLoad(cluster.api);
    const events: NodeEvent[] = [];
    await replaceNode({
      from: old,
      to: successor,
      bundle: next,
      cluster: cluster.access,
      onEvent: (event) => events.push(event),
    });
    const report = await load.stop();

    const firstOldStep = events.findIndex((event) => event.node === 'remote-3');
    const successorServing = events.findIndex(
      (event) => event.node === 'remote-4' && event.step === 'balancer' && event.status === 'done',
    );
    expect(successorServing).toBeGreaterThan(-1);
    expect(firstOldStep).toBeGreaterThan(successorServing);
    expect((await listNodes()).map((candidate) => candidate.name).sort()).toEqual([
      'node-1',
      'remote-1',
      'remote-2',
      'remote-4',
    ]);
    // Uninstalled without purge: the old node's logs stay (the supervisor's output and the node's own
    // rotated log), its config (the master key) does not.
    expect(await readdir(old.host.installRoot)).toEqual(['home']);
    expect((await readdir(path.join(old.host.installRoot, 'home'))).sort()).toEqual(['logs', 'node.log']);
    expect(report.failedRequests).toEqual([]);
    const states = await finalTaskStates(cluster.api, report.taskIds);
    expect(states.filter((state) => state !== 'succeeded')).toEqual([]);
  }, 300_000);

  it('cancels the tasks a node still runs after the idle timeout, when the admin chose that', async () => {
    // Only remote-1 takes work while the long task is queued.
    const others = ['remote-2', 'remote-4'];
    for (const name of others) await cluster.api.setDrain(name, true);
    const { id } = await cluster.api.createTask({ kind: 'noop', args: { sleepMs: 120_000 } });
    await expect.poll(async () => (await cluster.api.getTask(id)).node, { timeout: 15_000 }).toBe('remote-1');
    for (const name of others) await cluster.api.setDrain(name, false);

    const events: ProvisionEvent[] = [];
    await gracefulRestart({
      ...nodes[0]!,
      http: cluster.http,
      idleTimeoutMs: 1000,
      cancelTasksAfterIdleTimeout: true,
      onEvent: (event) => events.push(event),
    });
    expect(events).toContainEqual({
      step: 'idle',
      status: 'progress',
      detail: 'canceled 1 task(s) still running',
    });
    expect(events).toContainEqual({
      step: 'idle',
      status: 'done',
      detail: 'remote-1 runs no task (1 canceled)',
    });
    expect((await cluster.api.getTask(id)).state).toBe('canceled');
  }, 120_000);

  it('with HAProxy in front: provisioning adds the node live and to haproxy.cfg, restart goes through maint, remove takes it off', async () => {
    const serving = (await listNodes()).filter((candidate) => candidate.name.startsWith('remote-'));
    const haproxy = await LocalHaproxy.start({
      dir: path.join(dir, 'haproxy'),
      cluster: 'provisioned',
      servers: serving.map((candidate) => balancerMember(candidate.name, candidate.url)),
    });
    cleanups.push(() => haproxy.stop());
    const balancer = haproxyNodeBalancer(haproxy.balancer);
    // remote-3's host is free again since the replace.
    const added = await node(hosts[2]!, 'remote-5');
    const next = await readServerBundle(
      path.join(dir, 'bundles-next', 'flotilla-node-0.1.1-linux-x64.tar.gz'),
    );
    const events: ProvisionEvent[] = [];
    const onEvent = (event: ProvisionEvent) => events.push(event);

    expect(await provisionNode({ ...added, bundle: next, cluster: cluster.access, balancer, onEvent })).toBe(
      true,
    );
    expect(events.find((event) => event.step === 'balancer' && event.status === 'done')?.detail).toMatch(
      /added to the haproxy balancer and in rotation/,
    );
    expect(await readFile(haproxy.configFile, 'utf8')).toMatch(/server remote-5 127\.0\.0\.4:\d+/);

    events.length = 0;
    const load = startSteadyLoad(
      new ClusterApi(new ClusterHttp({ balancerUrl: haproxy.url, apiKey: cluster.info.apiKey })),
    );
    await gracefulRestart({ ...added, http: cluster.http, balancer, onEvent });
    const report = await load.stop();
    expect(events.find((event) => event.step === 'maint' && event.status === 'done')?.detail).toBe(
      'remote-5 in maintenance on the balancer, no request in flight',
    );
    expect(
      (await haproxy.balancer.stats()).servers.find((server) => server.name === 'remote-5'),
    ).toMatchObject({
      adminState: 'ready',
      checkStatus: 'up',
    });
    expect(report.failedRequests).toEqual([]);
    // Back in rotation: round robin reaches it within one turn over the four servers.
    const answered = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const response = await fetch(haproxy.url + NODE_PING_PATH);
      await response.arrayBuffer();
      answered.add(response.headers.get('x-flotilla-node') ?? '?');
    }
    expect(answered).toContain('remote-5');

    events.length = 0;
    await removeNode({ ...added, http: cluster.http, balancer, onEvent, purge: true });
    expect(events.find((event) => event.step === 'unbalance' && event.status === 'done')?.detail).toBe(
      'remote-5 removed from the balancer',
    );
    expect(await readFile(haproxy.configFile, 'utf8')).not.toMatch(/remote-5/);
    expect((await haproxy.balancer.stats()).servers.map((server) => server.name)).not.toContain('remote-5');
  }, 300_000);
});
