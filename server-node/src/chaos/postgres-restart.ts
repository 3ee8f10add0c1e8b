import { setTimeout as sleep } from 'node:timers/promises';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';

const OUTAGE_MS = 5000;
/** A request refused during the outage must be refused at once, not after a timeout. */
const FAST_REFUSAL_MS = 1000;

/**
 * PostgreSQL stops (fast shutdown: every session cut) and comes back 5 s later. The nodes must
 * reconnect by themselves, refuse users quickly with a 503 while the database is gone (their pings say
 * so, and the balancer answers for them), lose no task and run none twice.
 */
export const postgresRestart: ScenarioSpec = {
  name: 'postgres-restart',
  // 5 s without the database is past the fencing delay (4 s): every node fences, and a script still
  // running then is stopped and failed with the reason, never run again on its own (policy `fail`), as
  // after a partition. The 2 s load scripts mostly end before it; a slow start makes one run into it
  // (CI saw 2 of 14).
  expectedFailures: /was lost while running this task/,
  async fault(run) {
    const watches = run.cluster.nodes.map((node) => new PingWatch(run.cluster, node.name).start());
    run.cleanup.add('stop the ping watches', () => Promise.all(watches.map((watch) => watch.stop())));
    const downAt = Date.now();
    await run.postgres.down();
    await sleep(OUTAGE_MS);
    await run.postgres.up();
    const upAt = Date.now();

    const during = run.load.records.filter((record) => record.at >= downAt && record.at < upAt);
    const refused = during.filter((record) => record.outcome === 'refused');
    const slowest = Math.max(0, ...refused.map((record) => record.ms));
    run.check(
      'outageRequests',
      { sent: during.length, refused: refused.length, slowestRefusalMs: slowest },
      slowest <= FAST_REFUSAL_MS,
      `a request during the outage took ${slowest} ms to be refused (at most ${FAST_REFUSAL_MS})`,
    );
    const refusals = watches.map((watch) => watch.firstRefusal(downAt));
    run.check(
      'pingsRefusedAfterMs',
      refusals.map((refusal) => (refusal ? refusal.at - downAt : null)),
      refusals.every((refusal) => refusal !== undefined && refusal.at < upAt),
      'a node kept answering its ping with 200 while PostgreSQL was down',
    );
    run.check(
      'pingReasons',
      [...new Set(refusals.map((refusal) => refusal?.reason ?? refusal?.state ?? null))],
      refusals.every((refusal) => refusal?.reason),
      'a ping refused without saying why',
    );
    return upAt;
  },
};
