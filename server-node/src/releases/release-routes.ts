import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { activeDeploymentsMessage, countActiveDeployments } from '../deploy/active-deployments.js';
import { idParams } from '../domain/uuid-param.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { versionSchema } from '../packages/package-names.js';
import { getProject } from '../projects/project-rows.js';
import { createRelease } from './create-release.js';
import { deleteRelease, getRelease, listReleases } from './release-rows.js';

export const createReleaseBody = z
  .object({
    version: versionSchema,
    notes: z.string().max(10_000).default(''),
    packages: z.record(z.string(), versionSchema).default({}),
  })
  .strict();

export function releaseRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  app.get('/api/projects/:id/releases', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    if (!(await getProject(domain.db, id))) throw new HttpError(404, `No project ${id}.`);
    return listReleases(domain.db, id);
  });

  app.post('/api/projects/:id/releases', { config: { role: 'deployer' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const body = parseOr400(createReleaseBody, request.body, 'request body');
    const release = await createRelease(domain, id, body, request.caller);
    audit(request, 'release.create', release.version, {
      projectId: id,
      releaseId: release.id,
      packages: release.packages,
    });
    return reply.status(201).send(release);
  });

  app.get('/api/releases/:id', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const release = await getRelease(domain.db, id);
    if (!release) throw new HttpError(404, `No release ${id}.`);
    return release;
  });

  app.delete('/api/releases/:id', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const release = await getRelease(domain.db, id);
    if (!release) throw new HttpError(404, `No release ${id}.`);
    const active = await countActiveDeployments(domain.db, { releaseId: id });
    if (active > 0) throw new HttpError(409, activeDeploymentsMessage(`Release ${release.version}`, active));
    if (!(await deleteRelease(domain.db, id))) throw new HttpError(404, `No release ${id}.`);
    audit(request, 'release.delete', release.version, { projectId: release.projectId, releaseId: id });
    return reply.status(204).send();
  });
}
