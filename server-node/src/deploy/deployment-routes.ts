import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CreateDeploymentResultDto, DashboardDto, DeploymentDetailDto } from '../api/index.js';
import { audit } from '../audit/audit.js';
import { idParams } from '../domain/uuid-param.js';
import { listEnvironments } from '../environments/environment-rows.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { listProjects } from '../projects/project-rows.js';
import { getDeployment, latestDeployments, listDeployments, listStepRuns } from './deployment-rows.js';
import { queueDeployment } from './queue-deployment.js';

const createBody = z
  .object({
    releaseId: z.uuid('releaseId must be a UUID'),
    environmentId: z.uuid('environmentId must be a UUID'),
  })
  .strict();
const listQuery = z
  .object({
    projectId: z.uuid('projectId must be a UUID').optional(),
    environmentId: z.uuid('environmentId must be a UUID').optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function deploymentRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  app.post('/api/deployments', { config: { role: 'deployer' } }, async (request, reply) => {
    const body = parseOr400(createBody, request.body, 'request body');
    const { id, taskId, description } = await queueDeployment(
      domain,
      body.releaseId,
      body.environmentId,
      request.caller,
    );
    audit(request, 'deployment.create', description, { deploymentId: id, taskId, ...body });
    return reply.status(201).send({ id, taskId } satisfies CreateDeploymentResultDto);
  });

  app.get('/api/deployments', { config: { role: 'viewer' } }, async (request) =>
    listDeployments(domain.db, parseOr400(listQuery, request.query, 'query')),
  );

  app.get(
    '/api/deployments/:id',
    { config: { role: 'viewer' } },
    async (request): Promise<DeploymentDetailDto> => {
      const { id } = parseOr400(idParams, request.params, 'path');
      const deployment = await getDeployment(domain.db, id);
      if (!deployment) throw new HttpError(404, `No deployment ${id}.`);
      return { ...deployment, steps: await listStepRuns(domain.db, id) };
    },
  );

  app.get('/api/dashboard', { config: { role: 'viewer' } }, async (): Promise<DashboardDto> => {
    const [projects, environments, latest] = await Promise.all([
      listProjects(domain.db),
      listEnvironments(domain.db),
      latestDeployments(domain.db),
    ]);
    return {
      projects: projects.map((p) => ({ id: p.id, name: p.name })),
      environments: environments.map((e) => ({ id: e.id, name: e.name })),
      latest,
    };
  });
}
