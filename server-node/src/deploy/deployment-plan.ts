import type { StepDto } from '../api/index.js';
import type { DbTarget } from '../targets/target-rows.js';
import { listTargets } from '../targets/target-rows.js';
import type { TaskServices } from '../tasks/task-kind.js';
import { TaskFailure } from '../tasks/task-kind.js';
import type { ResolvedVariable } from '../variables/variable-rows.js';
import { resolveVariables } from '../variables/variable-rows.js';

export interface DeploymentPlan {
  deploymentId: string;
  projectName: string;
  releaseVersion: string;
  environmentName: string;
  process: StepDto[];
  packages: Record<string, string>;
  targets: DbTarget[];
  variables: Map<string, ResolvedVariable>;
}

/** Everything a deploy task needs, read fresh by each attempt (targets may have changed since). */
export async function loadDeploymentPlan(
  services: TaskServices,
  deploymentId: string,
): Promise<DeploymentPlan> {
  const result = await services.db.query<{
    project_id: string;
    project_name: string;
    environment_id: string;
    environment_name: string;
    release_version: string;
    process: StepDto[];
    packages: Record<string, string>;
  }>(
    `select p.id::text as project_id, p.name as project_name, e.id::text as environment_id, e.name as environment_name,
       r.version as release_version, r.process, r.packages
     from deployments d join releases r on r.id = d.release_id join projects p on p.id = r.project_id
     join environments e on e.id = d.environment_id where d.id = $1`,
    [deploymentId],
  );
  const row = result.rows[0];
  if (!row)
    throw new TaskFailure(
      `deployment ${deploymentId} no longer exists (its release or environment was deleted)`,
    );
  return {
    deploymentId,
    projectName: row.project_name,
    releaseVersion: row.release_version,
    environmentName: row.environment_name,
    process: row.process,
    packages: row.packages,
    targets: await listTargets(services.db, row.environment_id),
    variables: await resolveVariables(services.db, services.secrets, row.project_id, row.environment_id),
  };
}
