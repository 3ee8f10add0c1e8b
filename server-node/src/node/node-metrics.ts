import client from 'prom-client';

/** The node's Prometheus metrics, in a registry of its own (served at /metrics). */
export function createNodeMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'flotilla_process_' });
  const pickup = new client.Histogram({
    name: 'flotilla_task_pickup_seconds',
    help: 'Time from a task being queued to this node starting it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const finished = new client.Counter({
    name: 'flotilla_tasks_finished_total',
    help: 'Task attempts finished on this node, by outcome',
    labelNames: ['state'],
    registers: [registry],
  });
  const claims = new client.Counter({
    name: 'flotilla_task_claims_total',
    help:
      'Claim statements this node ran, by outcome: full (every free slot filled), partial, or empty ' +
      '(nothing it could take: queue empty, its share reached, or every candidate locked by a peer)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const heartbeatFailures = new client.Counter({
    name: 'flotilla_heartbeat_failures_total',
    help: 'Heartbeats that did not reach the database',
    registers: [registry],
  });
  const fenced = new client.Gauge({
    name: 'flotilla_node_fenced',
    help: '1 while the node has fenced itself off for lack of heartbeats',
    registers: [registry],
  });
  const running = new client.Gauge({
    name: 'flotilla_node_running_tasks',
    help: 'Tasks running on this node',
    registers: [registry],
  });
  const taskCap = new client.Gauge({
    name: 'flotilla_node_task_cap',
    help: 'Task cap of this node',
    registers: [registry],
  });
  const leader = new client.Gauge({
    name: 'flotilla_node_is_leader',
    help: '1 while this node holds the leader lease',
    registers: [registry],
  });
  return { registry, pickup, finished, claims, heartbeatFailures, fenced, running, taskCap, leader };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
