import type { ServerResponse } from 'node:http';
import {
  BALANCER_STATS_PATH,
  CLUSTER_PATH,
  EVENTS_PATH,
  ME_PATH,
  NODES_PATH,
} from '@flotilla/server-node/api';
import type { ClusterSnapshotDto } from '../../common/contract.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterApi } from './cluster-api.js';
import { ClusterHttp } from './cluster-http.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { fakeServer, sendJson, sseEvent, type FakeServer } from './test-support/fake-server.js';

const servers: FakeServer[] = [];
const monitors: ClusterMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((monitor) => monitor.stop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function node(name: string, state: string, runningTasks = 0) {
  return {
    name,
    url: `http://${name}`,
    version: '0.1.0',
    state,
    lastSeen: '',
    lastSeenAgeMs: 100,
    taskCap: 4,
    runningTasks,
    startedAt: '',
    rssBytes: 1e8,
    cpu: 0.1,
  };
}

describe('ClusterMonitor', () => {
  it('pushes a snapshot with nodes, queue and balancer, and refreshes at once on a node event', async () => {
    let state = 'running';
    let events: ServerResponse | null = null;
    const cluster = await fakeServer((req, res) => {
      if (req.url === NODES_PATH) return sendJson(res, 200, [node('node-1', state, 2)]);
      if (req.url === CLUSTER_PATH)
        return sendJson(res, 200, {
          clusterId: 'c',
          queue: { queued: 3, executing: 2 },
          paused: false,
          leader: 'node-1',
        });
      if (req.url === BALANCER_STATS_PATH)
        return sendJson(res, 200, { kind: 'builtin', backend: 'flotilla', servers: [], at: '' });
      if (req.url === EVENTS_PATH) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        events = res;
        return;
      }
      sendJson(res, 404, { error: 'no' });
    });
    servers.push(cluster);
    const snapshots: ClusterSnapshotDto[] = [];
    const monitor = new ClusterMonitor({
      clusterId: 'c',
      api: new ClusterApi(new ClusterHttp({ balancerUrl: cluster.url, apiKey: 'k' })),
      // A long sample interval: the update below can only come from the event.
      sampleMs: 60_000,
      onSnapshot: (snapshot) => snapshots.push(snapshot),
      onEvent: () => undefined,
    });
    monitors.push(monitor);
    monitor.start();
    await expect.poll(() => snapshots.at(-1)?.point?.queued).toBe(3);
    const last = snapshots.at(-1)!;
    expect(last.nodes[0]?.runningTasks).toBe(2);
    expect(last.balancer?.kind).toBe('builtin');
    await expect.poll(() => events !== null && monitor.snapshot().connection.state).toBe('connected');

    const changedAt = Date.now();
    state = 'draining';
    events!.write(sseEvent(10, 'node.state', { name: 'node-1', state: 'draining' }));
    await expect.poll(() => monitor.snapshot().nodes[0]?.state, { timeout: 1000 }).toBe('draining');
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(monitor.recentEvents().map((event) => event.seq)).toEqual(['10']);
  });

  it('samples again after a node change that arrived while a slow sample was under way', async () => {
    let state = 'running';
    let events: ServerResponse | null = null;
    let nodeReads = 0;
    const cluster = await fakeServer((req, res) => {
      if (req.url === NODES_PATH) {
        nodeReads++;
        const body = [node('node-1', state)];
        if (nodeReads !== 2) return sendJson(res, 200, body);
        // The second read (the refresh after event 1) is slow, and node-1 drains while it is under way.
        state = 'draining';
        events!.write(sseEvent(2, 'node.state', { name: 'node-1', state: 'draining' }));
        setTimeout(() => sendJson(res, 200, body), 300);
        return;
      }
      if (req.url === CLUSTER_PATH)
        return sendJson(res, 200, { clusterId: 'c', queue: { queued: 0, executing: 0 } });
      if (req.url === EVENTS_PATH) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        events = res;
        return;
      }
      sendJson(res, 404, { error: 'no' });
    });
    servers.push(cluster);
    const monitor = new ClusterMonitor({
      clusterId: 'c',
      api: new ClusterApi(new ClusterHttp({ balancerUrl: cluster.url, apiKey: 'k' })),
      // No regular sample during the test: only the events can bring the change.
      sampleMs: 60_000,
      onSnapshot: () => undefined,
      onEvent: () => undefined,
    });
    monitors.push(monitor);
    monitor.start();
    await expect.poll(() => events !== null && monitor.snapshot().nodes[0]?.state).toBe('running');
    events!.write(sseEvent(1, 'node.updated', { name: 'node-1' }));
    await expect.poll(() => monitor.recentEvents().length).toBe(2);
    // The slow read answered "running"; the change it missed is fetched right after it.
    await expect.poll(() => monitor.snapshot().nodes[0]?.state, { timeout: 2000 }).toBe('draining');
    expect(nodeReads).toBe(3);
  });

  it('counts finished tasks into the next point and says when the URL has no balancer stats', async () => {
    let events: ServerResponse | null = null;
    const cluster = await fakeServer((req, res) => {
      if (req.url === NODES_PATH) return sendJson(res, 200, []);
      if (req.url === CLUSTER_PATH)
        return sendJson(res, 200, { clusterId: 'c', queue: { queued: 0, executing: 0 } });
      if (req.url === EVENTS_PATH) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        events = res;
        return;
      }
      sendJson(res, 404, { error: 'no route' });
    });
    servers.push(cluster);
    const monitor = new ClusterMonitor({
      clusterId: 'c',
      api: new ClusterApi(new ClusterHttp({ balancerUrl: cluster.url, apiKey: 'k' })),
      sampleMs: 100,
      onSnapshot: () => undefined,
      onEvent: () => undefined,
    });
    monitors.push(monitor);
    monitor.start();
    await expect.poll(() => events !== null).toBe(true);
    events!.write(
      sseEvent(1, 'task.finished', { state: 'succeeded' }) +
        sseEvent(2, 'task.finished', { state: 'failed' }),
    );
    await expect.poll(() => monitor.history().reduce((sum, point) => sum + point.finished, 0)).toBe(2);
    expect(monitor.history().reduce((sum, point) => sum + point.failed, 0)).toBe(1);
    expect(monitor.snapshot().balancer).toBeNull();
    expect(monitor.snapshot().balancerError).toMatch(/without balancer stats/);
  });

  it("takes the key's role from the cluster, so the UI can disable what it may not do", async () => {
    const cluster = await fakeServer((req, res) => {
      if (req.url === ME_PATH)
        return sendJson(res, 200, {
          user: { id: 'u1', username: 'ops-viewer', role: 'viewer' },
          via: 'api-key',
          csrfToken: null,
          node: 'node-1',
        });
      if (req.url === NODES_PATH) return sendJson(res, 200, []);
      if (req.url === CLUSTER_PATH)
        return sendJson(res, 200, { clusterId: 'c', queue: { queued: 0, executing: 0 } });
      if (req.url === EVENTS_PATH) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        return;
      }
      sendJson(res, 404, { error: 'no' });
    });
    servers.push(cluster);
    const monitor = new ClusterMonitor({
      clusterId: 'c',
      api: new ClusterApi(new ClusterHttp({ balancerUrl: cluster.url, apiKey: 'k' })),
      onSnapshot: () => undefined,
      onEvent: () => undefined,
    });
    monitors.push(monitor);
    // Until the cluster has said, the key may do nothing.
    expect(monitor.snapshot().connection.role).toBeNull();
    monitor.start();
    await expect.poll(() => monitor.snapshot().connection.role).toBe('viewer');
  });
});
