import { setTimeout as sleep } from 'node:timers/promises';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';
import { checkVictimRefused } from './victim-checks.js';

const FAULT_MS = 8000;

/**
 * The shared folder turns read-only under one running node (its view only: the others keep writing).
 * The node must say so on its ping (503 with the reason), take no new task, and serve again once the
 * share is writable; the other nodes' task logs are all there (checked for every task in the tally).
 */
export const sharedReadOnly: ScenarioSpec = {
  name: 'shared-read-only',
  // A task the node was running when the share broke cannot finish its log: it fails, saying so.
  expectedFailures: /task log could not be written|shared storage/i,
  async fault(run) {
    const watch = new PingWatch(run.cluster, run.victim.name).start();
    run.cleanup.add('stop the ping watch', () => watch.stop());
    const faultAt = Date.now();
    await run.mount.makeReadOnly(run.victim);
    await sleep(FAULT_MS);
    await run.mount.restore(run.victim);
    const endAt = Date.now();
    await checkVictimRefused(run, watch, { faultAt, endAt, refuseWithinMs: 3000, reason: /shared/i });
    return endAt;
  },
};
