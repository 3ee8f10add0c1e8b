import { CLUSTER_PATH, type TaskDto } from '@flotilla/server-node/api';
import type { ClusterApi } from '../../cluster-client/cluster-api.js';

export interface LoadReport {
  /** User requests sent through the balancer, and the ones that did not get a 2xx (with why). */
  requests: number;
  failedRequests: string[];
  /** Tasks queued meanwhile; `taskStates` reads where they ended. */
  taskIds: string[];
  /** Which node answered the requests, by name (from the X-Flotilla-Node header). */
  servedBy: Map<string, number>;
}

export interface SteadyLoadOptions {
  requestEveryMs?: number;
  taskEveryMs?: number;
  taskSleepMs?: number;
  /** Every Nth task runs `longTaskSleepMs` instead: long enough to span another node's restart. */
  longTaskEvery?: number;
  longTaskSleepMs?: number;
}

/**
 * What users and deployments do to a cluster while an admin works on it: a read through the balancer
 * every `requestEveryMs` (as a signed-in user would), and a short task every `taskEveryMs` (every
 * `longTaskEvery`th a long one).
 */
export function startSteadyLoad(api: ClusterApi, options: SteadyLoadOptions = {}) {
  const report: LoadReport = { requests: 0, failedRequests: [], taskIds: [], servedBy: new Map() };
  let running = true;
  const every = async (ms: number, action: () => Promise<void>) => {
    while (running) {
      await action();
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  };
  const reads = every(options.requestEveryMs ?? 50, async () => {
    report.requests++;
    try {
      // Straight to the balancer, as a user's browser would: no failover to a node.
      const response = await fetch(api.http.balancerUrl + CLUSTER_PATH, {
        headers: api.http.authHeaders(),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status !== 200) report.failedRequests.push(`HTTP ${response.status}`);
      const node = response.headers.get('x-flotilla-node') ?? '?';
      report.servedBy.set(node, (report.servedBy.get(node) ?? 0) + 1);
    } catch (error) {
      report.failedRequests.push((error as Error).message);
    }
  });
  const tasks = every(options.taskEveryMs ?? 200, async () => {
    const long = options.longTaskEvery !== undefined && report.taskIds.length % options.longTaskEvery === 0;
    const sleepMs = long ? (options.longTaskSleepMs ?? 5000) : (options.taskSleepMs ?? 300);
    const { id } = await api.createTask({ kind: 'noop', args: { sleepMs } });
    report.taskIds.push(id);
  });
  return {
    /** The report as it grows: a test may add the ids of tasks it queues beside the load. */
    report,
    async stop(): Promise<LoadReport> {
      running = false;
      await Promise.all([reads, tasks]);
      return report;
    },
  };
}

/** Where each task ended (or is still), once none is queued or executing, within `timeoutMs`. */
export async function finalTaskStates(api: ClusterApi, ids: string[], timeoutMs = 60_000) {
  return (await finalTasks(api, ids, timeoutMs)).map((task) => task.state);
}

/** The tasks as they ended (or are still), once none is queued or executing, within `timeoutMs`. */
export async function finalTasks(api: ClusterApi, ids: string[], timeoutMs = 60_000): Promise<TaskDto[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = await Promise.all(ids.map((id) => api.getTask(id)));
    const open = tasks.filter((task) => task.state === 'queued' || task.state === 'executing');
    if (open.length === 0 || Date.now() > deadline) return tasks;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
