import { setTimeout as sleep } from 'node:timers/promises';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';
import { checkVictimRefused } from './victim-checks.js';

const FAULT_MS = 8000;

/**
 * The shared folder disappears under one running node (unmounted in its view: what it sees at the path
 * is the empty local folder beneath, the classic way a node starts writing logs nobody else can read).
 * The node must refuse users with the reason, take no new task, and serve again once the share is back.
 */
export const sharedGone: ScenarioSpec = {
  name: 'shared-gone',
  expectedFailures: /task log could not be written|shared storage/i,
  async fault(run) {
    const watch = new PingWatch(run.cluster, run.victim.name).start();
    run.cleanup.add('stop the ping watch', () => watch.stop());
    const faultAt = Date.now();
    await run.mount.remove(run.victim);
    await sleep(FAULT_MS);
    await run.mount.restore(run.victim);
    const endAt = Date.now();
    await checkVictimRefused(run, watch, { faultAt, endAt, refuseWithinMs: 3000, reason: /shared/i });
    return endAt;
  },
};
