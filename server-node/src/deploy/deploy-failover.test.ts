import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto, TaskDetailDto, TaskDto } from '../api/index.js';
import {
  createEnvironment,
  createProject,
  createRelease,
  createTarget,
  deploy,
  taskLog,
  taskState,
} from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';

describe('a deployment whose node is killed with SIGKILL', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 3 });
  });
  afterAll(() => cluster.destroy());

  it('queues the scheduled retention once per slot, however many nodes are up', async () => {
    await cluster.api('PATCH', '/api/retention', { everyMinutes: 0.05 });
    await expect
      .poll(
        async () => (await cluster.tasks('kind=retention')).filter((t) => t.state === 'succeeded').length,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toBeGreaterThanOrEqual(3);
    await cluster.api('PATCH', '/api/retention', { everyMinutes: 60 });
    const runs = (await cluster.tasks('kind=retention')).reverse();
    const slots = runs.map((t) => Date.parse(String(t.args.scheduledFor)));
    expect(new Set(slots).size).toBe(slots.length);
    // One task per 3-second slot, never two at once.
    slots.slice(1).forEach((slot, i) => expect(slot - slots[i]!).toBeGreaterThanOrEqual(2900));
    runs
      .slice(1)
      .forEach((run, i) =>
        expect(Date.parse(run.startedAt!)).toBeGreaterThanOrEqual(Date.parse(runs[i]!.finishedAt!)),
      );
    expect(new Set(runs.map((t) => t.node)).size).toBeGreaterThanOrEqual(1);
  });

  it('resumes on another node from the last completed step, running only the interrupted step twice', async () => {
    const journal = path.join(cluster.dir, 'journal.txt');
    const environment = await createEnvironment(cluster, 'Staging');
    await createTarget(cluster, {
      kind: 'node',
      name: 'local',
      environmentId: environment.id,
      deployRoot: path.join(cluster.dir, 'apps'),
    });
    const project = await createProject(cluster, 'Billing', [
      { type: 'script', name: 'One', script: 'echo "one $FLOTILLA_NODE" >> "#{Journal}"' },
      {
        type: 'script',
        name: 'Two',
        script:
          'echo "two-start $FLOTILLA_NODE" >> "#{Journal}"; sleep 8; echo "two-end $FLOTILLA_NODE" >> "#{Journal}"',
      },
      { type: 'script', name: 'Three', runOn: 'node', script: 'echo "three $FLOTILLA_NODE" >> "#{Journal}"' },
    ]);
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, { name: 'Journal', value: journal });
    const release = await createRelease(cluster, project.id, '2.0.0');

    // Only node-2 may take it; once it runs step Two, the others may take work again and node-2 dies.
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 0 });
    await cluster.api('PATCH', '/api/nodes/node-3', { taskCap: 0 });
    const deployment = await deploy(cluster, release.id, environment.id);
    await expect
      .poll(() => readFileSync(journal, 'utf8'), { timeout: 15_000, interval: 100 })
      .toBe('one node-2\ntwo-start node-2\n');
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 5 });
    await cluster.api('PATCH', '/api/nodes/node-3', { taskCap: 5 });
    await cluster.kill('node-2');

    await expect
      .poll(() => taskState(cluster, deployment.taskId), { timeout: 40_000, interval: 250 })
      .toBe('succeeded');
    const task = (
      await cluster.api<TaskDetailDto>('GET', `/api/tasks/${deployment.taskId}`, undefined, {
        node: 'node-1',
      })
    ).body;
    const survivor = task.node!;
    expect(['node-1', 'node-3']).toContain(survivor);
    expect(task.attemptsDetail.map((a) => [a.node, a.outcome])).toEqual([
      ['node-2', 'lost'],
      [survivor, 'succeeded'],
    ]);

    // The killed node's step stopped with it (its watchdog), and nothing else ran twice.
    expect(readFileSync(journal, 'utf8')).toBe(
      `one node-2\ntwo-start node-2\ntwo-start ${survivor}\ntwo-end ${survivor}\nthree ${survivor}\n`,
    );
    const detail = (
      await cluster.api<DeploymentDetailDto>('GET', `/api/deployments/${deployment.id}`, undefined, {
        node: 'node-1',
      })
    ).body;
    expect(detail.steps.map((s) => [s.stepName, s.node, s.attempt, s.outcome])).toEqual([
      ['One', 'node-2', 1, 'succeeded'],
      ['Two', 'node-2', 1, 'interrupted'],
      ['Two', survivor, 2, 'succeeded'],
      ['Three', survivor, 2, 'succeeded'],
    ]);

    const log = await taskLog(cluster, deployment.taskId);
    expect(log).toMatch(/── attempt 1 on node-2, started/);
    expect(log).toMatch(/── attempt 1 lost \(node node-2 was lost; requeued by node-\d\) ──/);
    expect(log).toContain(
      `── deployment resumed on ${survivor} (attempt 2); 1 step run(s) already done by node-2 are skipped; 'Two' on local was interrupted on node-2 and runs again ──`,
    );
    expect(log).toContain(`── step 1/3 'One' on local: already done, skipped ──`);
    expect(log).toContain(`── step 2/3 'Two' on local (node ${survivor}) ──`);
    const tasks = await cluster.tasks('kind=deploy');
    expect(tasks.map((t: TaskDto) => [t.id, t.state, t.node])).toEqual([
      [deployment.taskId, 'succeeded', survivor],
    ]);
  });
});
