import { z } from 'zod';
import { openHost } from '../deploy/open-host.js';
import type { TaskKind } from '../tasks/task-kind.js';
import { TaskFailure } from '../tasks/task-kind.js';
import { getTarget, recordTargetHealth } from './target-rows.js';

const healthArgs = z.object({ targetId: z.uuid() }).strict();

/**
 * Checks that a target can take deployments: connects (SSH with the pinned host key, or the node
 * itself), runs a trivial script and makes sure the deploy root can be created. The result is
 * stored on the target; a failure also fails the task with the reason. Safe to run again.
 */
export const healthCheckTask: TaskKind<z.infer<typeof healthArgs>> = {
  name: 'health-check',
  argsSchema: healthArgs,
  argsRole: 'viewer',
  onNodeLoss: 'requeue',
  async run({ args, node, log, signal, services }) {
    const target = await getTarget(services.db, args.targetId);
    if (!target) throw new TaskFailure(`target ${args.targetId} no longer exists`);
    log.line(
      `Checking ${target.name} (${target.kind === 'ssh' ? `${target.username}@${target.host}:${target.port}` : 'the node itself'}) from ${node}`,
    );
    const output: Buffer[] = [];
    try {
      const host = await openHost(target, target.name, services.secrets, signal);
      try {
        const code = await host.runScript(
          {
            shell: 'bash',
            script:
              'mkdir -p "$FLOTILLA_DEPLOY_ROOT" && test -w "$FLOTILLA_DEPLOY_ROOT" && echo "ok: $(uname -srm)"',
            env: { FLOTILLA_DEPLOY_ROOT: target.deploy_root },
          },
          (chunk) => output.push(chunk),
          signal,
        );
        if (code !== 0)
          throw new TaskFailure(
            `the check script exited with ${code}; is ${target.deploy_root} writable by that user?`,
          );
      } finally {
        host.close();
      }
    } catch (error) {
      if (signal.aborted) throw error;
      const message = (error as Error).message;
      await recordTargetHealth(services.db, target.id, {
        status: 'unhealthy',
        checkedAt: new Date().toISOString(),
        node,
        message,
      });
      throw new TaskFailure(message);
    }
    const message = Buffer.concat(output).toString().trim();
    log.line(message);
    await recordTargetHealth(services.db, target.id, {
      status: 'healthy',
      checkedAt: new Date().toISOString(),
      node,
      message,
    });
  },
};
