import { setTimeout as sleep } from 'node:timers/promises';
import { PingWatch } from './ping-watch.js';
import type { ScenarioSpec } from './scenario.js';

const FAULT_MS = 6000;

/**
 * The filesystem holding the task logs (the shared folder) fills up, for every node. Tasks must fail with
 * a reason that says so; nothing else may break: every request is served, every ping stays 200 (the
 * nodes can still serve users), and tasks run again once there is room.
 */
export const logDiskFull: ScenarioSpec = {
  name: 'log-disk-full',
  sharedBytes: 16 * 1024 * 1024,
  expectedFailures: /full|no space/i,
  async fault(run) {
    const watches = run.cluster.nodes.map((node) => new PingWatch(run.cluster, node.name).start());
    run.cleanup.add('stop the ping watches', () => Promise.all(watches.map((watch) => watch.stop())));
    const faultAt = Date.now();
    await run.mount.fill();
    run.checks.freeBytesWhenFull = await run.mount.freeBytes();
    await sleep(FAULT_MS);
    await run.mount.free();
    const endAt = Date.now();
    const refusals = watches.map((watch) => watch.firstRefusal(faultAt)).filter((refusal) => refusal);
    run.check(
      'pingsRefused',
      refusals.map((refusal) => `${refusal!.status} ${refusal!.state} ${refusal!.reason ?? ''}`),
      refusals.length === 0,
      'a node refused users because the log disk was full',
    );
    const failedInFault = (
      await run.cluster.db.query<{ error: string }>(
        `select error from tasks where state = 'failed' and finished_at between to_timestamp($1 / 1000.0) and to_timestamp($2 / 1000.0) + interval '3 seconds'`,
        [faultAt, endAt],
      )
    ).rows;
    run.check(
      'tasksFailedForSpace',
      failedInFault.length,
      failedInFault.length > 0,
      'no task failed while the disk was full: the fault did not bite',
    );
    return endAt;
  },
};
