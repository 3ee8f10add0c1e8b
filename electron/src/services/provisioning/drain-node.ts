import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import type { NodeBalancer } from './node-balancer.js';
import type { ProvisionEvent } from './provision-step.js';
import { runStep } from './run-step.js';

export interface DrainOptions {
  name: string;
  http: ClusterHttp;
  balancer: NodeBalancer;
  onEvent: (event: ProvisionEvent) => void;
  /** How long the node may take to finish the tasks it runs once drained. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** When the node still runs tasks after idleTimeoutMs: cancel them (they may be retried) instead of failing. */
  cancelTasksAfterIdleTimeout?: boolean;
  /** What the admin should do when a step fails (restart and remove word it differently). */
  fix: (what: string) => () => string;
}

const CANCEL_GRACE_MS = 30_000;

/**
 * The first half of every action that stops a node: drain (it takes no new task; the balancers stop
 * sending it users), then wait until it runs no task — or cancel what is left, if the admin chose to.
 * Resolves false when the cluster has no such node (nothing to drain).
 */
export async function drainUntilIdle(options: DrainOptions): Promise<boolean> {
  const { name, balancer, onEvent, fix } = options;
  const api = new ClusterApi(options.http);
  const present = await runStep(onEvent, 'drain', fix('Check that the cluster answers.'), async () => {
    if (!(await api.findNode(name)))
      return { value: false, skipped: true, detail: `${name} is not in the cluster` };
    await api.setDrain(name, true);
    const told = await balancer.setState(name, 'drain');
    return { value: true, detail: `${name} takes no new tasks${told ? '; drain on the balancer' : ''}` };
  });
  if (!present) return false;
  await runStep(onEvent, 'idle', fix('Wait for or cancel its running tasks, then retry.'), async () => {
    const timeoutMs = options.idleTimeoutMs ?? 300_000;
    let deadline = Date.now() + timeoutMs;
    let canceled = 0;
    let cancelSent = false;
    for (;;) {
      const node = await api.findNode(name);
      if (!node || node.runningTasks === 0) {
        const detail = canceled > 0 ? `${name} runs no task (${canceled} canceled)` : `${name} runs no task`;
        return { value: null, detail };
      }
      if (Date.now() > deadline) {
        if (!options.cancelTasksAfterIdleTimeout || cancelSent)
          throw new Error(`${name} still runs ${node.runningTasks} task(s) after ${timeoutMs / 1000} s.`);
        canceled = await cancelRunningTasks(api, name);
        cancelSent = true;
        // Canceled scripts get their signal and a moment to end.
        deadline = Date.now() + CANCEL_GRACE_MS;
        onEvent({ step: 'idle', status: 'progress', detail: `canceled ${canceled} task(s) still running` });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
  return true;
}

async function cancelRunningTasks(api: ClusterApi, name: string): Promise<number> {
  const tasks = await api.listTasks({ state: 'executing', node: name, limit: 1000 });
  for (const task of tasks) await api.cancelTask(task.id);
  return tasks.length;
}
