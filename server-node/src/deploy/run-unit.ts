import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployPackageStepDto, HttpCheckStepDto, ScriptStepDto } from '../api/index.js';
import { collectArtifacts, ensureArtifactsDir } from '../artifacts/artifact-store.js';
import { readClusterSettings } from '../config/cluster-settings.js';
import { packageLimits } from '../packages/package-limits.js';
import { getPackage } from '../packages/package-rows.js';
import { packageFile } from '../packages/package-store.js';
import type { TaskServices } from '../tasks/task-kind.js';
import { TaskFailure } from '../tasks/task-kind.js';
import type { MaskingLog } from '../variables/masking-log.js';
import { substituteVariables } from '../variables/substitute-variables.js';
import { MAX_ENV_BYTES, variableEnv } from '../variables/variable-env.js';
import type { DeploymentPlan } from './deployment-plan.js';
import { LocalHost } from './local-host.js';
import { extractToHost } from './extract-to-host.js';
import type { StepUnit } from './step-units.js';
import type { TargetHost } from './target-host.js';

export interface UnitContext {
  services: TaskServices;
  plan: DeploymentPlan;
  unit: StepUnit;
  host: TargetHost;
  node: string;
  taskId: string;
  out: MaskingLog;
  signal: AbortSignal;
}

function baseEnv(context: UnitContext): Record<string, string> {
  return {
    FLOTILLA_DEPLOYMENT_ID: context.plan.deploymentId,
    FLOTILLA_PROJECT: context.plan.projectName,
    FLOTILLA_RELEASE: context.plan.releaseVersion,
    FLOTILLA_ENVIRONMENT: context.plan.environmentName,
    FLOTILLA_STEP: context.unit.step.name,
    FLOTILLA_TARGET: context.unit.targetName,
    FLOTILLA_NODE: context.node,
  };
}

async function script(
  context: UnitContext,
  spec: { shell: ScriptStepDto['shell']; script: string; cwd?: string; env?: Record<string, string> },
  what: string,
  timeoutSeconds?: number,
): Promise<void> {
  const { host, out, signal } = context;
  const timeout = timeoutSeconds ? AbortSignal.timeout(timeoutSeconds * 1000) : null;
  const combined = timeout ? AbortSignal.any([signal, timeout]) : signal;
  // Scripts on the node write artifacts straight into shared storage, where every node serves them.
  const artifacts: Record<string, string> =
    host instanceof LocalHost
      ? { FLOTILLA_ARTIFACTS: await ensureArtifactsDir(context.services.sharedDir, context.taskId) }
      : {};
  // Variables reach the script two ways: `#{Name}` substituted into its text, and environment
  // variables. Both travel on the script's standard input, never on a command line (see wrapScript).
  const variables = variableEnv(context.plan.variables);
  for (const [key, name] of variables.tooLarge) {
    if (spec.script.includes(key))
      out.line(
        `${key} is not set: ${name} is over ${MAX_ENV_BYTES / 1024} KiB, too large for the environment; use #{${name}}`,
      );
  }
  let code: number;
  try {
    code = await host.runScript(
      {
        shell: spec.shell,
        script: substituteVariables(spec.script, context.plan.variables),
        cwd: spec.cwd,
        env: { ...variables.env, ...baseEnv(context), ...artifacts, ...spec.env },
      },
      (chunk, stream) => out.write(chunk, stream),
      combined,
    );
  } catch (error) {
    if (!signal.aborted && timeout?.aborted)
      throw new TaskFailure(`${what} timed out after ${timeoutSeconds} s`);
    throw error;
  } finally {
    out.flush();
  }
  if (artifacts.FLOTILLA_ARTIFACTS) {
    for (const line of await collectArtifacts(context.services.sharedDir, context.taskId)) out.line(line);
  }
  if (code !== 0) throw new TaskFailure(`${what} exited with code ${code}`);
}

export async function runScriptUnit(context: UnitContext, step: ScriptStepDto): Promise<void> {
  await script(context, step, 'script', step.timeoutSeconds);
}

/**
 * Extracts the release's version of the package into <deployRoot>/<id>/<version> (emptied first, so
 * a re-run after an interruption starts clean), runs the pre-deploy script there, points
 * <deployRoot>/<id>/current at it, then runs the post-deploy script in `current`.
 */
export async function runDeployPackageUnit(context: UnitContext, step: DeployPackageStepDto): Promise<void> {
  const { services, plan, unit, host, out, signal } = context;
  const version = plan.packages[step.packageId];
  if (!version)
    throw new TaskFailure(`the release pins no version of package ${step.packageId}; create a new release`);
  const row = await getPackage(services.db, step.packageId, version);
  if (!row) {
    throw new TaskFailure(
      `package ${step.packageId} ${version} is no longer in the feed (deleted, or removed by retention); create a new release`,
    );
  }
  const packageDir = path.posix.join(unit.target!.deploy_root, step.packageId);
  const versionDir = path.posix.join(packageDir, version);
  out.line(
    `Extracting ${step.packageId} ${version} (${row.sizeBytes} bytes, sha256 ${row.sha256.slice(0, 12)}…) to ${versionDir}`,
  );
  await host.emptyDir(versionDir, signal);
  const files = await extractToHost(
    host,
    {
      file: packageFile(services.sharedDir, step.packageId, version, row.format),
      format: row.format,
      limits: packageLimits(await readClusterSettings(services.db)),
    },
    versionDir,
    signal,
  );
  out.line(`Extracted ${files} file(s)`);
  const env = {
    FLOTILLA_PACKAGE_ID: step.packageId,
    FLOTILLA_PACKAGE_VERSION: version,
    FLOTILLA_PACKAGE_DIR: versionDir,
  };
  if (step.preDeployScript) {
    out.line('Running the pre-deploy script');
    await script(
      context,
      { shell: step.shell, script: step.preDeployScript, cwd: versionDir, env },
      'pre-deploy script',
    );
  }
  await host.switchCurrent(packageDir, version, signal);
  out.line(`${path.posix.join(packageDir, 'current')} → ${version}`);
  if (step.postDeployScript) {
    out.line('Running the post-deploy script');
    await script(
      context,
      { shell: step.shell, script: step.postDeployScript, cwd: path.posix.join(packageDir, 'current'), env },
      'post-deploy script',
    );
  }
}

export async function runHttpCheckUnit(context: UnitContext, step: HttpCheckStepDto): Promise<void> {
  const { out, signal } = context;
  const url = substituteVariables(step.url, context.plan.variables);
  const tries = step.retries + 1;
  let last = '';
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(step.timeoutSeconds * 1000)]),
      });
      await response.body?.cancel();
      last = `HTTP ${response.status}`;
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      last =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${step.timeoutSeconds} s`
          : (error as Error).message;
    }
    out.line(`GET ${url} (try ${attempt}/${tries}): ${last}`);
    if (last === `HTTP ${step.expectedStatus}`) return;
    if (attempt < tries) await sleep(step.retryDelaySeconds * 1000, undefined, { signal });
  }
  throw new TaskFailure(
    `${url} answered ${last}, expected HTTP ${step.expectedStatus}, after ${tries} tries`,
  );
}
