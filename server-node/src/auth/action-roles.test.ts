import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, ErrorDto, Role } from '../api/index.js';
import { ACTION_ROLES, balancerServerPath, DIRECTORY_TEST_PATH, hasRole, ROLES } from '../api/index.js';
import type { RunningBalancer } from '../balancer/start-balancer.js';
import { startBalancer } from '../balancer/start-balancer.js';
import { findFreePort } from '../net/free-port.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { createUser } from '../test-support/users.js';

// One request per action of the table. `Record<Action, …>` makes a new action without a request
// here a compile error, so the walk below always covers the whole table.
const REQUESTS: Record<Action, { method: string; path: string; body?: unknown; balancer?: true }> = {
  'nodes.update': { method: 'PATCH', path: '/api/nodes/node-1', body: { taskCap: 3 } },
  'nodes.remove': { method: 'DELETE', path: '/api/nodes/no-such-node' },
  'nodes.log': { method: 'GET', path: '/api/nodes/node-1/log?lines=1' },
  'cluster.update': { method: 'PATCH', path: '/api/cluster', body: { paused: false } },
  'cluster.diagnostics': { method: 'GET', path: '/api/cluster/diagnostics' },
  'cluster.supportBundle': { method: 'POST', path: '/api/cluster/support-bundle', body: {} },
  'tasks.add': { method: 'POST', path: '/api/tasks', body: { kind: 'noop', args: { sleepMs: 0 } } },
  'tasks.cancel': { method: 'POST', path: '/api/tasks/999999/cancel' },
  'tasks.retry': { method: 'POST', path: '/api/tasks/999999/retry' },
  'balancer.update': {
    method: 'PUT',
    path: balancerServerPath('node-1'),
    body: { state: 'ready' },
    balancer: true,
  },
  // An empty test request: 400 for an administrator, past the role check.
  'directory.update': { method: 'POST', path: DIRECTORY_TEST_PATH, body: {} },
};

describe('the action → role table', () => {
  const cluster = new TestCluster();
  const keys = new Map<Role, string>();
  let balancer: RunningBalancer;

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    keys.set('administrator', cluster.apiKey);
    keys.set('deployer', (await createUser(cluster, 'table-deployer', 'deployer')).apiKey);
    keys.set('viewer', (await createUser(cluster, 'table-viewer', 'viewer')).apiKey);
    balancer = await startBalancer({
      dbUrl: cluster.dbUrl,
      host: '127.0.0.1',
      port: await findFreePort(0),
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await balancer?.stop();
    await cluster.destroy();
  });

  it.each(ROLES)('lets a %s do exactly what the table allows, on the real API', async (role) => {
    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [action, required] of Object.entries(ACTION_ROLES) as [Action, Role][]) {
      const request = REQUESTS[action];
      const base = request.balancer ? balancer.url : cluster.node('node-1').url;
      const response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: {
          authorization: `Bearer ${keys.get(role)}`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      const body = (await response.json().catch(() => null)) as ErrorDto | null;
      // Past the role check a request may still be refused for its own reasons (404 for a task that
      // does not exist); only 401 and 403 speak about the caller.
      seen[action] =
        response.status === 403 && body?.error.includes(`needs the ${required} role`)
          ? 'denied'
          : response.status === 401 || response.status === 403
            ? `${response.status} ${body?.error}`
            : 'allowed';
      expected[action] = hasRole(role, required) ? 'allowed' : 'denied';
    }
    expect(seen).toEqual(expected);
  });
});
