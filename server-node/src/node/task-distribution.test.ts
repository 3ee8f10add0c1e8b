import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDto, PingDto, TaskDto } from '../api/index.js';
import { TestCluster } from '../test-support/test-cluster.js';

/** The most tasks that ran at the same time on each node, from their recorded start and finish times. */
function peakConcurrency(tasks: TaskDto[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const task of tasks) {
    const at = Date.parse(task.startedAt!);
    const overlapping = tasks.filter(
      (other) =>
        other.node === task.node && Date.parse(other.startedAt!) <= at && Date.parse(other.finishedAt!) > at,
    ).length;
    peaks.set(task.node!, Math.max(peaks.get(task.node!) ?? 0, overlapping));
  }
  return peaks;
}

describe('three nodes sharing a queue', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 3 });
  });
  afterAll(() => cluster.destroy());

  const allDone = async (ids: string[]) => {
    const tasks = await cluster.tasks();
    return tasks.filter((t) => ids.includes(t.id) && ['succeeded', 'failed', 'canceled'].includes(t.state));
  };

  it('spreads tasks over every node and never exceeds a cap', async () => {
    const ids = await cluster.queue('noop', { sleepMs: 300 }, 30);
    await expect.poll(async () => (await allDone(ids)).length, { timeout: 20_000 }).toBe(30);
    const tasks = await allDone(ids);
    expect(tasks.every((t) => t.state === 'succeeded')).toBe(true);
    const perNode = new Map<string, number>();
    for (const task of tasks) perNode.set(task.node!, (perNode.get(task.node!) ?? 0) + 1);
    expect([...perNode.keys()].sort()).toEqual(['node-1', 'node-2', 'node-3']);
    // Even spread: nobody took more than half of the work.
    for (const count of perNode.values()) expect(count).toBeLessThanOrEqual(15);
    for (const peak of peakConcurrency(tasks).values()) expect(peak).toBeLessThanOrEqual(5);
  });

  it('applies a changed cap live, and cap 0 takes no work', async () => {
    expect((await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 1 })).status).toBe(200);
    expect((await cluster.api('PATCH', '/api/nodes/node-2', { taskCap: 0 })).status).toBe(200);
    const ids = await cluster.queue('noop', { sleepMs: 200 }, 12);
    await expect.poll(async () => (await allDone(ids)).length, { timeout: 20_000 }).toBe(12);
    const tasks = await allDone(ids);
    expect(tasks.some((t) => t.node === 'node-2')).toBe(false);
    expect(peakConcurrency(tasks.filter((t) => t.node === 'node-1')).get('node-1') ?? 0).toBeLessThanOrEqual(
      1,
    );
    const nodes = (await cluster.api<NodeDto[]>('GET', '/api/nodes')).body;
    expect(nodes.find((n) => n.name === 'node-1')?.taskCap).toBe(1);
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 5 });
    await cluster.api('PATCH', '/api/nodes/node-2', { taskCap: 5 });
  });

  it('drains a node: ping 503, running tasks finish, nothing new starts there', async () => {
    const first = await cluster.queue('noop', { sleepMs: 1500 }, 9);
    await expect
      .poll(async () => (await cluster.tasks('state=executing')).filter((t) => t.node === 'node-3').length)
      .toBeGreaterThan(0);
    const drained = await cluster.api<NodeDto>('PATCH', '/api/nodes/node-3', { drain: true });
    expect(drained.body.state).toBe('draining');
    const drainedAt = Date.now();
    const ping = await fetch(`${cluster.node('node-3').url}/api/nodes/ping`);
    expect(ping.status).toBe(503);
    expect(((await ping.json()) as PingDto).state).toBe('draining');

    const second = await cluster.queue('noop', { sleepMs: 100 }, 10);
    await expect
      .poll(async () => (await allDone([...first, ...second])).length, { timeout: 20_000 })
      .toBe(19);
    const tasks = await allDone([...first, ...second]);
    const startedOnDrained = tasks.filter((t) => t.node === 'node-3' && Date.parse(t.startedAt!) > drainedAt);
    expect(startedOnDrained).toEqual([]);
    expect(
      tasks.filter((t) => first.includes(t.id) && t.node === 'node-3').every((t) => t.state === 'succeeded'),
    ).toBe(true);

    await cluster.api('PATCH', '/api/nodes/node-3', { drain: false });
    expect((await fetch(`${cluster.node('node-3').url}/api/nodes/ping`)).status).toBe(200);
  });

  it('pauses and resumes the whole queue', async () => {
    expect(
      (await cluster.api<{ paused: boolean }>('PATCH', '/api/cluster', { paused: true })).body.paused,
    ).toBe(true);
    const ids = await cluster.queue('noop', {}, 3);
    // The poll backstop is 1 s: give every node two chances to (wrongly) claim.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await cluster.tasks()).filter((t) => ids.includes(t.id)).map((t) => t.state)).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    await cluster.api('PATCH', '/api/cluster', { paused: false });
    await expect.poll(async () => (await allDone(ids)).length, { timeout: 5000 }).toBe(3);
  });
});
