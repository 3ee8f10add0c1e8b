import { setTimeout as sleep } from 'node:timers/promises';
import { DbProxy } from './db-proxy.js';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';
import { checkLostNodeStayedOut } from './takeover-checks.js';
import { checkVictimRefused } from './victim-checks.js';

/** Longer than the cluster's dead threshold (5 s), so the peers take the node's tasks over. */
const PARTITION_MS = 8000;

let proxy: DbProxy | null = null;

/**
 * One node loses the database only (its traffic black-holed: nothing arrives, nothing is refused),
 * then the network heals. Its ping must refuse users before it fences, the peers take its tasks over,
 * it writes nothing for what they took, and it rejoins by itself.
 */
export const dbPartition: ScenarioSpec = {
  name: 'db-partition',
  // The node's scripts are failed by recovery: a script is never run twice on its own (policy `fail`).
  expectedFailures: /was lost while running this task/,
  async prepare({ postgres, cleanup }) {
    const target = new URL(postgres.url());
    const started = new DbProxy(target.hostname, Number(target.port));
    await started.start();
    cleanup.add('stop the database proxy', () => started.stop());
    proxy = started;
    return { dbUrlFor: (name, dbUrl) => (name === 'node-3' ? started.wrap(dbUrl) : dbUrl) };
  },
  async fault(run) {
    const watch = new PingWatch(run.cluster, run.victim.name).start();
    run.cleanup.add('stop the ping watch', () => watch.stop());
    const faultAt = Date.now();
    proxy!.partition();
    await sleep(PARTITION_MS);
    proxy!.heal();
    const endAt = Date.now();
    await checkVictimRefused(run, watch, { faultAt, endAt, refuseWithinMs: 3500, reason: /database/i });
    await checkLostNodeStayedOut(run, faultAt, endAt);
    return endAt;
  },
};
