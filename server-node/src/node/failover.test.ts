import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDto, TaskDetailDto, TaskDto } from '../api/index.js';
import { TestCluster } from '../test-support/test-cluster.js';

const TERMINAL = ['succeeded', 'failed', 'canceled'];

/** Whether a process runs; a zombie (killed, not yet reaped by its new parent) does not count. */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a node killed with SIGKILL in the middle of tasks', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 3 });
  });
  afterAll(() => cluster.destroy());

  it('has its tasks requeued or failed by kind, each ending exactly once, and is seen offline then dead', async () => {
    // Scripts first, onto node-2 alone (the others at cap 0), so the victim surely runs one.
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 0 });
    await cluster.api('PATCH', '/api/nodes/node-3', { taskCap: 0 });
    const [scriptId] = await cluster.queue('script', { script: 'echo started; sleep 60' });
    await expect.poll(async () => (await cluster.tasks('state=executing')).length).toBe(1);
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 5 });
    await cluster.api('PATCH', '/api/nodes/node-3', { taskCap: 5 });
    const noops = await cluster.queue('noop', { sleepMs: 4000 }, 15);
    await expect
      .poll(async () => (await cluster.tasks('state=executing&node=node-2')).length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(3);
    const onVictim = (await cluster.tasks('state=executing&node=node-2')).map((t) => t.id);
    const scriptPid = Number(
      readFileSync(path.join(cluster.node('node-2').home, 'running', `${scriptId}.pid`), 'utf8'),
    );

    await cluster.kill('node-2');
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const state = (await cluster.nodesView()).find((n: NodeDto) => n.name === 'node-2')?.state;
          if (state) seen.add(state);
          return state;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe('dead');
    expect(seen.has('offline')).toBe(true);

    const all = [scriptId!, ...noops];
    await expect
      .poll(
        async () =>
          (await cluster.tasks()).filter((t) => all.includes(t.id) && TERMINAL.includes(t.state)).length,
        {
          timeout: 30_000,
        },
      )
      .toBe(all.length);
    const tasks = (await cluster.tasks()).filter((t: TaskDto) => all.includes(t.id));
    expect(tasks.filter((t) => t.state === 'executing')).toEqual([]);

    // The script is not safe to run twice: it fails, saying why.
    const script = tasks.find((t) => t.id === scriptId)!;
    expect(script.state).toBe('failed');
    expect(script.error).toMatch(/node node-2 was lost/);

    // Every noop succeeded exactly once; those on the victim ran again elsewhere after a 'lost' attempt.
    for (const id of noops) {
      const detail = (
        await cluster.api<TaskDetailDto>('GET', `/api/tasks/${id}`, undefined, { node: 'node-1' })
      ).body;
      expect(detail.state).toBe('succeeded');
      expect(detail.attemptsDetail.filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
      if (onVictim.includes(id)) {
        expect(detail.attemptsDetail.map((a) => [a.node, a.outcome])).toEqual([
          ['node-2', 'lost'],
          [detail.node, 'succeeded'],
        ]);
        expect(detail.node).not.toBe('node-2');
        // No overlap: the second attempt started after the first one was declared lost.
        expect(Date.parse(detail.attemptsDetail[1]!.startedAt)).toBeGreaterThanOrEqual(
          Date.parse(detail.attemptsDetail[0]!.finishedAt!),
        );
      }
    }

    // The task log tells the story of both attempts.
    const victimTask = onVictim.find((id) => noops.includes(id))!;
    const log = await cluster.api<string>('GET', `/api/tasks/${victimTask}/log`, undefined, {
      node: 'node-1',
    });
    expect(log.body).toMatch(/attempt 1 on node-2/);
    expect(log.body).toMatch(/attempt 1 lost \(node node-2 was lost; requeued by node-/);
    expect(log.body).toMatch(/attempt 2 on node-/);

    // The orphaned script is still running on the host; restarting the node stops it.
    expect(isAlive(scriptPid)).toBe(true);
    await cluster.start('node-2');
    await expect.poll(() => isAlive(scriptPid)).toBe(false);
    expect(existsSync(path.join(cluster.node('node-2').home, 'running', `${scriptId}.pid`))).toBe(false);
    expect((await cluster.nodesView()).find((n) => n.name === 'node-2')?.state).toBe('running');
  });

  it('shows a cleanly stopped node offline at once, and lets an admin delete it', async () => {
    await cluster.stopNode('node-3');
    const node3 = (await cluster.nodesView()).find((n) => n.name === 'node-3');
    expect(node3?.state).toBe('offline');
    expect((await cluster.api('DELETE', '/api/nodes/node-3', undefined, { node: 'node-1' })).status).toBe(
      204,
    );
    expect((await cluster.nodesView()).map((n) => n.name)).toEqual(['node-1', 'node-2']);
  });
});
