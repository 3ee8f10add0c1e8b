import { z } from 'zod';
import type { TaskContext, TaskKind, TaskServices } from '../tasks/task-kind.js';
import { LeaseLostError, TaskFailure } from '../tasks/task-kind.js';
import { MaskingLog } from '../variables/masking-log.js';
import { listStepRuns } from './deployment-rows.js';
import type { DeploymentPlan } from './deployment-plan.js';
import { loadDeploymentPlan } from './deployment-plan.js';
import { openHost } from './open-host.js';
import { runDeployPackageUnit, runHttpCheckUnit, runScriptUnit } from './run-unit.js';
import type { AttemptFence } from './step-run-rows.js';
import { finishStepRun, startStepRun } from './step-run-rows.js';
import type { StepUnit } from './step-units.js';
import { planUnits } from './step-units.js';

const deployArgs = z.object({ deploymentId: z.uuid() }).strict();
type DeployArgs = z.infer<typeof deployArgs>;

/** Progress, saved after every completed step-on-target: what a resuming node skips. */
const checkpointSchema = z.object({ done: z.array(z.string()) });
type DeployCheckpoint = z.infer<typeof checkpointSchema>;

async function describeHandover(
  services: TaskServices,
  plan: DeploymentPlan,
  context: TaskContext<DeployArgs>,
  done: Set<string>,
): Promise<string> {
  const runs = await listStepRuns(services.db, plan.deploymentId);
  const earlier = runs.filter((run) => run.attempt < context.attempt);
  const interrupted = earlier.filter((run) => run.outcome === 'interrupted');
  const byNodes = [...new Set(earlier.filter((run) => run.outcome === 'succeeded').map((run) => run.node))];
  const parts = [
    `deployment resumed on ${context.node} (attempt ${context.attempt})`,
    `${done.size} step run(s) already done${byNodes.length ? ` by ${byNodes.join(', ')}` : ''} are skipped`,
    ...interrupted.map(
      (run) => `'${run.stepName}' on ${run.target} was interrupted on ${run.node} and runs again`,
    ),
  ];
  return `── ${parts.join('; ')} ──`;
}

async function runUnit(
  services: TaskServices,
  plan: DeploymentPlan,
  unit: StepUnit,
  context: TaskContext<DeployArgs>,
  out: MaskingLog,
): Promise<void> {
  const host = await openHost(unit.target, unit.targetName, services.secrets, context.signal);
  try {
    const unitContext = {
      services,
      plan,
      unit,
      host,
      node: context.node,
      taskId: context.id,
      out,
      signal: context.signal,
    };
    const { step } = unit;
    if (step.type === 'script') await runScriptUnit(unitContext, step);
    else if (step.type === 'deploy-package') await runDeployPackageUnit(unitContext, step);
    else await runHttpCheckUnit(unitContext, step);
  } finally {
    host.close();
  }
}

/**
 * A release to an environment. Steps run in order, each on its targets one after another; after
 * each step-on-target the checkpoint records it, so when the node dies another node resumes and
 * re-runs only the one that was cut short. Every start and end is recorded (with the node) only
 * while this attempt still owns the task.
 */
export const deployTask: TaskKind<DeployArgs> = {
  name: 'deploy',
  argsSchema: deployArgs,
  argsRole: 'viewer',
  onNodeLoss: 'resume',
  async run(context) {
    const { services } = context;

    const plan = await loadDeploymentPlan(services, context.args.deploymentId);
    const out = new MaskingLog(
      context.log,
      [...plan.variables.values()].filter((v) => v.sensitive).map((v) => v.value),
    );
    const saved = checkpointSchema.safeParse(context.checkpoint);
    const checkpoint: DeployCheckpoint = saved.success ? saved.data : { done: [] };
    const done = new Set(checkpoint.done);
    const units = planUnits(plan.process, plan.targets, plan.environmentName);
    const fence: AttemptFence = { taskId: context.id, attempt: context.attempt, node: context.node };

    if (context.attempt > 1) out.line(await describeHandover(services, plan, context, done));
    out.line(
      `Deploying ${plan.projectName} ${plan.releaseVersion} to ${plan.environmentName}: ` +
        `${plan.process.length} step(s), ${plan.targets.length} target(s), on ${context.node}`,
    );
    for (const unit of units) {
      const label = `step ${unit.index + 1}/${plan.process.length} '${unit.step.name}' on ${unit.targetName}`;
      if (done.has(unit.key)) {
        out.line(`── ${label}: already done, skipped ──`);
        continue;
      }
      if (context.signal.aborted) throw context.signal.reason as Error;
      const runId = await startStepRun(services.db, fence, {
        deploymentId: plan.deploymentId,
        stepIndex: unit.index,
        stepName: unit.step.name,
        target: unit.targetName,
      });
      if (!runId) throw new LeaseLostError(context.id);
      out.line(`── ${label} (node ${context.node}) ──`);
      try {
        await runUnit(services, plan, unit, context, out);
      } catch (error) {
        if (context.signal.aborted) throw error;
        await finishStepRun(services.db, fence, runId, 'failed');
        const message = error instanceof TaskFailure ? error.message : (error as Error).message;
        throw new TaskFailure(out.mask(`${label} failed: ${message}`));
      }
      await finishStepRun(services.db, fence, runId, 'succeeded');
      done.add(unit.key);
      await context.saveCheckpoint({ done: [...done] } satisfies DeployCheckpoint);
    }
    out.line(`Deployment finished on ${context.node}`);
  },
};
