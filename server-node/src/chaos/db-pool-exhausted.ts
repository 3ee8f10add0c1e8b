import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentDto } from '../api/index.js';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';
import { checkVictimRefused } from './victim-checks.js';

const HOLD_MS = 6000;
/** More requests than the node's pool has connections (10), each waiting on one locked row. */
const BLOCKED_REQUESTS = 16;

/**
 * One node's database pool is used up: a hot row stays locked (a long transaction elsewhere) and a burst
 * of requests to that node waits on it, each holding a connection. The node's ping must say 503 with
 * the reason so the balancer sends users to the others, and serve again when the lock goes.
 */
export const dbPoolExhausted: ScenarioSpec = {
  name: 'db-pool-exhausted',
  async fault(run) {
    const created = await run.cluster.api<EnvironmentDto>('POST', '/api/environments', {
      name: 'chaos-hot-row',
    });
    if (created.status !== 201) throw new Error(`creating the environment failed: HTTP ${created.status}`);
    const id = created.body.id;
    const watch = new PingWatch(run.cluster, run.victim.name).start();
    run.cleanup.add('stop the ping watch', () => watch.stop());
    const locker = await run.cluster.db.connect();
    await locker.query('begin');
    await locker.query('select id from environments where id = $1 for update', [id]);
    const faultAt = Date.now();
    const blocked = Array.from({ length: BLOCKED_REQUESTS }, (_, i) =>
      run.cluster
        .api(
          'PATCH',
          `/api/environments/${id}`,
          { name: `chaos-hot-row-${i}` },
          { node: run.victim.name, timeoutMs: 20_000 },
        )
        .then(
          (answer) => String(answer.status),
          (error: Error) => error.message,
        ),
    );
    await sleep(HOLD_MS);
    await locker.query('rollback');
    locker.release();
    const endAt = Date.now();
    const statuses = await Promise.all(blocked);
    run.checks.blockedRequests = Object.fromEntries(
      [...new Set(statuses)].map((status) => [status, statuses.filter((s) => s === status).length]),
    );
    await checkVictimRefused(run, watch, {
      faultAt,
      endAt,
      refuseWithinMs: 2500,
      reason: /pool|connection/i,
    });
    return endAt;
  },
};
