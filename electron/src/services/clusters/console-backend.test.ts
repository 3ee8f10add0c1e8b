import path from 'node:path';
import { CLUSTER_PATH, EVENTS_PATH, ME_PATH, NODES_PATH, nodePath } from '@flotilla/server-node/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { fakeServer, sendJson, type FakeServer } from '../cluster-client/test-support/fake-server.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { ClusterStore } from './cluster-store.js';
import { ConsoleBackend } from './console-backend.js';
import { tempDir } from '../test-support/temp-dir.js';

const servers: FakeServer[] = [];
const backends: ConsoleBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.stop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A cluster that knows one API key, serves nodes and cluster info, and records node changes. */
async function cluster(role = 'administrator') {
  const patches: unknown[] = [];
  const server = await fakeServer((req, res) => {
    if (req.headers.authorization !== 'Bearer good') return sendJson(res, 401, { error: 'Unknown API key.' });
    if (req.url === ME_PATH) return sendJson(res, 200, { user: { name: 'someone', role } });
    if (req.url === CLUSTER_PATH)
      return sendJson(res, 200, { clusterId: 'c', leader: 'node-1', queue: { queued: 0, executing: 0 } });
    if (req.url === NODES_PATH)
      return sendJson(res, 200, [
        { name: 'node-1', url: 'http://127.0.0.1:1', version: '1.2.3', state: 'running' },
      ]);
    if (req.url === nodePath('node-1') && req.method === 'PATCH') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        patches.push(JSON.parse(body));
        sendJson(res, 200, { name: 'node-1', state: 'draining' });
      });
      return;
    }
    if (req.url === EVENTS_PATH) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hi\n\n');
      return;
    }
    sendJson(res, 404, { error: 'no route' });
  });
  servers.push(server);
  return { url: server.url, patches };
}

async function backend() {
  const dir = await tempDir('backend');
  const pushed: PushEvent[] = [];
  const created = new ConsoleBackend({
    store: new ClusterStore(path.join(dir, 'clusters.json'), new MemoryVault()),
    push: (event) => pushed.push(event),
    info: { transport: 'web', version: '0', configDir: dir },
    sandbox: { cliPath: 'none', dir },
    sampleMs: 60_000,
  });
  backends.push(created);
  return { handlers: created.handlers, pushed };
}

describe('ConsoleBackend', () => {
  it('tests a cluster before saving it: a refused key saves nothing', async () => {
    const { url } = await cluster();
    const { handlers } = await backend();
    await expect(
      handlers[INVOKE.clusters.add]({ name: 'prod', balancerUrl: url, apiKey: 'bad' }),
    ).rejects.toThrow(/rejected the API key/);
    expect((await handlers[INVOKE.clusters.list]()).clusters).toEqual([]);
    expect(await handlers[INVOKE.clusters.test]({ balancerUrl: url, apiKey: 'good' })).toMatchObject({
      nodes: 1,
      version: '1.2.3',
      leader: 'node-1',
    });
  });

  it('saves, selects and watches an added cluster, and sends node actions to it', async () => {
    const { url, patches } = await cluster();
    const { handlers, pushed } = await backend();
    const added = await handlers[INVOKE.clusters.add]({ name: 'prod', balancerUrl: url, apiKey: 'good' });
    expect(added.nodeUrls).toEqual(['http://127.0.0.1:1']);
    expect((await handlers[INVOKE.clusters.list]()).activeId).toBe(added.id);
    await expect.poll(async () => (await handlers[INVOKE.clusters.getSnapshot]())?.nodes.length).toBe(1);
    expect(pushed).toContain(PUSH.clusters.changed);
    expect(pushed).toContain(PUSH.clusters.snapshot);
    expect(await handlers[INVOKE.nodes.setDrain]('node-1', true)).toMatchObject({ state: 'draining' });
    expect(patches).toEqual([{ drain: true }]);
  });

  it("refuses balancer settings to a key that is not an administrator's, saving nothing", async () => {
    const { url } = await cluster('viewer');
    const { handlers } = await backend();
    await handlers[INVOKE.clusters.add]({ name: 'prod', balancerUrl: url, apiKey: 'good' });
    await expect
      .poll(async () => (await handlers[INVOKE.clusters.getSnapshot]())?.connection.role)
      .toBe('viewer');
    await expect(
      handlers[INVOKE.balancer.setSettings]({
        kind: 'haproxy',
        where: 'local',
        runtimeSocket: '/nowhere.sock',
      }),
    ).rejects.toThrow(/role \(viewer\) may not do this; it needs the administrator role/);
    expect(await handlers[INVOKE.balancer.getSettings]()).toEqual({ kind: 'builtin' });
  });
});
