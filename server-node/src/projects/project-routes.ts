import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { activeDeploymentsMessage, countActiveDeployments } from '../deploy/active-deployments.js';
import { idParams } from '../domain/uuid-param.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { processSchema } from './process-schema.js';
import { deleteProject, getProject, insertProject, listProjects, updateProject } from './project-rows.js';

const projectName = z.string().trim().min(1, 'name the project').max(100);
const createBody = z
  .object({
    name: projectName,
    description: z.string().max(2000).default(''),
    process: processSchema.default([]),
  })
  .strict();
const patchBody = z
  .object({
    name: projectName.optional(),
    description: z.string().max(2000).optional(),
    process: processSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give name, description and/or process' });

// A process runs scripts on the nodes and targets, so shaping it is an administrator's job.
export function projectRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  app.get('/api/projects', { config: { role: 'viewer' } }, async () => listProjects(domain.db));

  app.post('/api/projects', { config: { role: 'administrator' } }, async (request, reply) => {
    const body = parseOr400(createBody, request.body, 'request body');
    const project = await insertProject(domain.db, body);
    if (!project) throw new HttpError(409, `A project named '${body.name}' exists; pick another name.`);
    audit(request, 'project.create', project.name, { id: project.id });
    return reply.status(201).send(project);
  });

  app.get('/api/projects/:id', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const project = await getProject(domain.db, id);
    if (!project) throw new HttpError(404, `No project ${id}.`);
    return project;
  });

  app.patch('/api/projects/:id', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const body = parseOr400(patchBody, request.body, 'request body');
    const result = await updateProject(domain.db, id, body);
    if (result === 'not-found') throw new HttpError(404, `No project ${id}.`);
    if (result === 'name-taken')
      throw new HttpError(409, `A project named '${body.name}' exists; pick another name.`);
    audit(request, 'project.update', result.name, { id, fields: Object.keys(body) });
    return result;
  });

  app.delete('/api/projects/:id', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const project = await getProject(domain.db, id);
    if (!project) throw new HttpError(404, `No project ${id}.`);
    const active = await countActiveDeployments(domain.db, { projectId: id });
    if (active > 0) throw new HttpError(409, activeDeploymentsMessage(`Project ${project.name}`, active));
    if (!(await deleteProject(domain.db, id))) throw new HttpError(404, `No project ${id}.`);
    audit(request, 'project.delete', project.name, { id });
    return reply.status(204).send();
  });
}
