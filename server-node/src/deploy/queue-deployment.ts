import type { CreateDeploymentResultDto } from '../api/index.js';
import type { DomainContext } from '../domain/domain-context.js';
import { getEnvironment } from '../environments/environment-rows.js';
import { HttpError } from '../http/http-error.js';
import { getProject } from '../projects/project-rows.js';
import { getRelease } from '../releases/release-rows.js';
import { insertDeployment } from './deployment-rows.js';

/** Checks a release and an environment exist and queues the deployment. Shared by the API and the portal. */
export async function queueDeployment(
  domain: DomainContext,
  releaseId: string,
  environmentId: string,
  createdBy: string,
): Promise<CreateDeploymentResultDto & { description: string }> {
  const [release, environment] = await Promise.all([
    getRelease(domain.db, releaseId),
    getEnvironment(domain.db, environmentId),
  ]);
  const issues = [
    ...(release ? [] : [{ path: 'releaseId', message: `no release ${releaseId}` }]),
    ...(environment ? [] : [{ path: 'environmentId', message: `no environment ${environmentId}` }]),
  ];
  if (!release || !environment) {
    throw new HttpError(
      400,
      `Invalid request body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const project = await getProject(domain.db, release.projectId);
  const description = `Deploy ${project?.name ?? 'project'} ${release.version} to ${environment.name}`;
  const queued = await insertDeployment(domain.db, { releaseId, environmentId, createdBy, description });
  return { ...queued, description };
}
