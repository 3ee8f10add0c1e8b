import { setTimeout as sleep } from 'node:timers/promises';
import type { ScenarioSpec } from './scenario.js';
import { checkLostNodeStayedOut } from './takeover-checks.js';

const FROZEN_MS = 10_000;

/**
 * The node's process is frozen (SIGSTOP) for 10 s, long past the dead threshold, then resumed. Its
 * peers take its tasks over meanwhile; once awake it must not finish any of them in the database, nor
 * take work before it has rejoined, and it must rejoin by itself.
 */
export const nodeFrozen: ScenarioSpec = {
  name: 'node-frozen',
  expectedFailures: /was lost while running this task/,
  async fault(run) {
    const faultAt = Date.now();
    run.cluster.freeze(run.victim.name);
    await sleep(FROZEN_MS);
    run.cluster.thaw(run.victim.name);
    const endAt = Date.now();
    // The balancer's checks time out (1 s each, two in a row): later requests go to the other nodes.
    const sentToFrozen = run.load.records.filter(
      (record) => record.node === run.victim.name && record.at > faultAt + 3000 && record.at < endAt,
    ).length;
    run.check(
      'requestsSentToFrozenNode',
      sentToFrozen,
      sentToFrozen === 0,
      `the balancer still sent ${sentToFrozen} request(s) to the frozen node`,
    );
    await checkLostNodeStayedOut(run, faultAt, endAt);
    return endAt;
  },
};
