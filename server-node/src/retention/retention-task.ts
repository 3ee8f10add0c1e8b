import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { packageFile } from '../packages/package-store.js';
import type { TaskKind } from '../tasks/task-kind.js';
import { readRetentionPolicy } from './retention-settings.js';
import { deleteOldReleasePackages, tasksFinishedBefore } from './retention-rows.js';

const retentionArgs = z.object({ scheduledFor: z.string().optional() }).strict();

/**
 * The cluster's housekeeping, run as a singleton (see schedule-retention.ts): removes the packages
 * of releases beyond the newest N of each project, and the logs of tasks finished more than D days
 * ago. Every part is idempotent, so a node loss simply requeues it.
 */
export const retentionTask: TaskKind<z.infer<typeof retentionArgs>> = {
  name: 'retention',
  argsSchema: retentionArgs,
  argsRole: 'viewer',
  onNodeLoss: 'requeue',
  async run({ args, log, signal, services }) {
    const policy = await readRetentionPolicy(services.db);
    log.line(
      `Retention${args.scheduledFor ? ` for the slot of ${args.scheduledFor}` : ''}: keep packages of the newest ` +
        `${policy.keepReleasesPerProject} release(s) per project, task logs for ${policy.taskLogDays} day(s)`,
    );
    const removed = await deleteOldReleasePackages(services.db, policy.keepReleasesPerProject);
    for (const pkg of removed) {
      await rm(packageFile(services.sharedDir, pkg.package_id, pkg.version, pkg.format), { force: true });
      log.line(`removed package ${pkg.package_id} ${pkg.version}`);
    }
    // Task logs are found from the folders that exist, so the work shrinks as logs go.
    const tasksDir = path.join(services.sharedDir, 'tasks');
    const ids = (await readdir(tasksDir).catch(() => [] as string[])).filter((name) =>
      /^\d{1,18}$/.test(name),
    );
    let logs = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      if (signal.aborted) throw signal.reason as Error;
      for (const id of await tasksFinishedBefore(services.db, ids.slice(i, i + 1000), policy.taskLogDays)) {
        await rm(path.join(tasksDir, id), { recursive: true, force: true });
        logs++;
      }
    }
    log.line(`removed ${removed.length} package version(s) and the logs of ${logs} task(s)`);
  },
};
