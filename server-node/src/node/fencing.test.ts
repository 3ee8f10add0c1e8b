import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDto, PingDto, TaskDetailDto } from '../api/index.js';
import { DbProxy } from '../chaos/db-proxy.js';
import { TestCluster } from '../test-support/test-cluster.js';

async function ping(url: string): Promise<PingDto['state'] | 'unreachable'> {
  return fetch(`${url}/api/nodes/ping`)
    .then(async (response) => ((await response.json()) as PingDto).state)
    .catch(() => 'unreachable' as const);
}

describe('a node cut off from the database', () => {
  const cluster = new TestCluster();
  let proxy: DbProxy;
  beforeAll(async () => {
    cluster.dbUrl = '';
    await cluster.create({ nodes: 1 });
    const target = new URL(cluster.dbUrl);
    proxy = new DbProxy(target.hostname, Number(target.port));
    await proxy.start();
    await cluster.addNode('node-2', proxy.wrap(cluster.dbUrl));
  });
  afterAll(async () => {
    await cluster.destroy();
    await proxy.stop();
  });

  it('fences itself before a peer declares it dead, and comes back when the network heals', async () => {
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 0 });
    const ids = await cluster.queue('noop', { sleepMs: 6000 }, 3);
    await expect.poll(async () => (await cluster.tasks('state=executing&node=node-2')).length).toBe(3);
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 5 });

    proxy.partition();
    const partitionedAt = Date.now();
    let fencedAt = 0;
    let deadAt = 0;
    await expect
      .poll(
        async () => {
          if (!fencedAt && (await ping(cluster.node('node-2').url)) === 'fenced') fencedAt = Date.now();
          const state = (await cluster.nodesView()).find((n: NodeDto) => n.name === 'node-2')?.state;
          if (!deadAt && state === 'dead') deadAt = Date.now();
          return fencedAt > 0 && deadAt > 0;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    expect(fencedAt).toBeLessThan(deadAt);
    expect(fencedAt - partitionedAt).toBeGreaterThan(2000);

    // The peer takes the tasks over; the fenced node wrote nothing after losing them.
    await expect
      .poll(
        async () =>
          (await cluster.tasks()).filter((t) => ids.includes(t.id) && t.state === 'succeeded').length,
        {
          timeout: 20_000,
        },
      )
      .toBe(3);
    for (const id of ids) {
      const detail = (await cluster.api<TaskDetailDto>('GET', `/api/tasks/${id}`)).body;
      expect(detail.attemptsDetail.map((a) => [a.node, a.outcome])).toEqual([
        ['node-2', 'lost'],
        ['node-1', 'succeeded'],
      ]);
    }
    const shared = path.join(cluster.dir, 'shared');
    expect(readFileSync(path.join(shared, 'tasks', ids[0]!, 'attempt-1.log'), 'utf8')).toMatch(
      /stopped on node-2: fence/,
    );

    proxy.heal();
    await expect.poll(() => ping(cluster.node('node-2').url), { timeout: 15_000 }).toBe('running');
    await expect
      .poll(async () => (await cluster.nodesView()).find((n) => n.name === 'node-2')?.state, {
        timeout: 5000,
      })
      .toBe('running');
    // And it takes work again.
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 0 });
    const [after] = await cluster.queue('noop', {});
    await expect
      .poll(async () => (await cluster.tasks()).find((t) => t.id === after)?.node, { timeout: 5000 })
      .toBe('node-2');
  });
});
