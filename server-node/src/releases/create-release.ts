import type { ReleaseDto } from '../api/index.js';
import type { DomainContext } from '../domain/domain-context.js';
import { HttpError } from '../http/http-error.js';
import { getPackage, latestPackageVersion } from '../packages/package-rows.js';
import { getProject } from '../projects/project-rows.js';
import { insertRelease } from './release-rows.js';

/**
 * Snapshots the project's process and pins a version of every package it deploys (the one asked
 * for, else the newest in the feed), so the release deploys the same way forever.
 * Shared by the API and the portal.
 */
export async function createRelease(
  domain: DomainContext,
  projectId: string,
  request: { version: string; notes: string; packages: Record<string, string> },
  createdBy: string,
): Promise<ReleaseDto> {
  const project = await getProject(domain.db, projectId);
  if (!project) throw new HttpError(404, `No project ${projectId}.`);
  const needed = new Set(
    project.process.flatMap((step) => (step.type === 'deploy-package' ? [step.packageId] : [])),
  );
  const issues: { path: string; message: string }[] = [];
  for (const packageId of Object.keys(request.packages)) {
    if (!needed.has(packageId)) {
      issues.push({
        path: `packages.${packageId}`,
        message: `the process deploys no package '${packageId}'`,
      });
    }
  }
  const packages: Record<string, string> = {};
  for (const packageId of needed) {
    const chosen = request.packages[packageId] ?? (await latestPackageVersion(domain.db, packageId));
    if (!chosen) {
      issues.push({
        path: `packages.${packageId}`,
        message: `no version of '${packageId}' in the feed; upload one first`,
      });
    } else if (!(await getPackage(domain.db, packageId, chosen))) {
      issues.push({
        path: `packages.${packageId}`,
        message: `version ${chosen} of '${packageId}' is not in the feed`,
      });
    } else {
      packages[packageId] = chosen;
    }
  }
  if (issues.length > 0) {
    throw new HttpError(
      400,
      `Invalid request body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const release = await insertRelease(domain.db, {
    projectId,
    version: request.version,
    notes: request.notes,
    process: project.process,
    packages,
    createdBy,
  });
  if (!release) {
    throw new HttpError(
      409,
      `${project.name} already has a release ${request.version}; releases are immutable, pick a new version.`,
    );
  }
  return release;
}
