import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { idParams } from '../domain/uuid-param.js';
import { getEnvironment } from '../environments/environment-rows.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { getProject } from '../projects/project-rows.js';
import { deleteVariable, listVariables, upsertVariable } from './variable-rows.js';

const putBody = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/,
        'start with a letter or "_", then letters, digits, "_", "." or "-"',
      ),
    value: z.string().max(100_000),
    sensitive: z.boolean().default(false),
    environmentId: z.uuid('environmentId must be a UUID').nullable().default(null),
  })
  .strict();
const variableParams = z.object({
  id: z.uuid('id must be a UUID'),
  variableId: z.uuid('variableId must be a UUID'),
});

export function variableRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  const db = domain.db;
  const projectOr404 = async (id: string) => {
    const project = await getProject(db, id);
    if (!project) throw new HttpError(404, `No project ${id}.`);
    return project;
  };

  app.get('/api/projects/:id/variables', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    await projectOr404(id);
    return listVariables(db, id);
  });

  // Create or replace (one value per name and environment scope).
  app.put('/api/projects/:id/variables', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const body = parseOr400(putBody, request.body, 'request body');
    const project = await projectOr404(id);
    if (body.environmentId && !(await getEnvironment(db, body.environmentId))) {
      throw new HttpError(400, `Invalid request body: environmentId: no environment ${body.environmentId}`, [
        { path: 'environmentId', message: 'no such environment' },
      ]);
    }
    const variable = await upsertVariable(db, domain.secrets, { projectId: id, ...body });
    // The audit records that a value changed, never the value.
    audit(request, 'variable.set', `${project.name}/${body.name}`, {
      sensitive: body.sensitive,
      environmentId: body.environmentId,
    });
    return variable;
  });

  app.delete(
    '/api/projects/:id/variables/:variableId',
    { config: { role: 'administrator' } },
    async (request, reply) => {
      const { id, variableId } = parseOr400(variableParams, request.params, 'path');
      const project = await projectOr404(id);
      const removed = await deleteVariable(db, id, variableId);
      if (!removed) throw new HttpError(404, `Project ${project.name} has no variable ${variableId}.`);
      audit(request, 'variable.delete', `${project.name}/${removed.name}`, {
        environmentId: removed.environmentId,
      });
      return reply.status(204).send();
    },
  );
}
