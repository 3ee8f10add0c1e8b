import { CLUSTER_PATH, NODES_PATH, nodePath } from '@flotilla/server-node/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterHttp } from './cluster-http.js';
import { fakeServer, sendJson, type FakeServer } from './test-support/fake-server.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(handle: Parameters<typeof fakeServer>[0]) {
  const created = await fakeServer(handle);
  servers.push(created);
  return created;
}

describe('ClusterHttp', () => {
  it('sends the API key and returns JSON through the balancer', async () => {
    const balancer = await server((req, res) => sendJson(res, 200, { auth: req.headers.authorization }));
    const http = new ClusterHttp({ balancerUrl: balancer.url, apiKey: 'k' });
    expect(await http.json('GET', NODES_PATH)).toEqual({ auth: 'Bearer k' });
  });

  it('falls back to a node when the balancer refuses connections, for any method', async () => {
    const dead = await server(() => undefined);
    await dead.close();
    const node = await server((req, res) => sendJson(res, 200, { method: req.method }));
    const http = new ClusterHttp({ balancerUrl: dead.url, apiKey: 'k', nodeUrls: [node.url] });
    expect(await http.json('PATCH', CLUSTER_PATH, { paused: true })).toEqual({ method: 'PATCH' });
    expect(http.endpoints()[0]).toBe(node.url);
  });

  it("turns the node's error into a message, and a 401 into what to do", async () => {
    const balancer = await server((req, res) =>
      req.url === nodePath('x')
        ? sendJson(res, 404, { error: "No node named 'x'." })
        : sendJson(res, 401, { error: 'Unknown API key.' }),
    );
    const http = new ClusterHttp({ balancerUrl: balancer.url, apiKey: 'k' });
    await expect(http.json('GET', nodePath('x'))).rejects.toThrow("No node named 'x'.");
    await expect(http.json('GET', NODES_PATH)).rejects.toThrow(
      /rejected the API key .*Use an administrator API key/,
    );
  });

  it('says which endpoints failed when none answers', async () => {
    const dead = await server(() => undefined);
    await dead.close();
    const http = new ClusterHttp({ balancerUrl: dead.url, apiKey: 'k' });
    await expect(http.json('GET', NODES_PATH)).rejects.toThrow(
      /No endpoint of the cluster answered[\s\S]*connection refused/,
    );
  });
});
