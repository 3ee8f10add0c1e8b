import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { activeDeploymentsMessage, countActiveDeployments } from '../deploy/active-deployments.js';
import { idParams } from '../domain/uuid-param.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import {
  deleteEnvironment,
  getEnvironment,
  insertEnvironment,
  listEnvironments,
  updateEnvironment,
} from './environment-rows.js';

const name = z.string().trim().min(1, 'name the environment').max(100);
const sortOrder = z.number().int().min(-1000).max(1000);
const createBody = z.object({ name, sortOrder: sortOrder.default(0) }).strict();
const patchBody = z
  .object({ name: name.optional(), sortOrder: sortOrder.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give name and/or sortOrder' });

export function environmentRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  app.get('/api/environments', { config: { role: 'viewer' } }, async () => listEnvironments(domain.db));

  app.post('/api/environments', { config: { role: 'administrator' } }, async (request, reply) => {
    const body = parseOr400(createBody, request.body, 'request body');
    const environment = await insertEnvironment(domain.db, body);
    if (!environment)
      throw new HttpError(409, `An environment named '${body.name}' exists; pick another name.`);
    audit(request, 'environment.create', environment.name, { id: environment.id });
    return reply.status(201).send(environment);
  });

  app.get('/api/environments/:id', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const environment = await getEnvironment(domain.db, id);
    if (!environment) throw new HttpError(404, `No environment ${id}.`);
    return environment;
  });

  app.patch('/api/environments/:id', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const body = parseOr400(patchBody, request.body, 'request body');
    const result = await updateEnvironment(domain.db, id, body);
    if (result === 'not-found') throw new HttpError(404, `No environment ${id}.`);
    if (result === 'name-taken')
      throw new HttpError(409, `An environment named '${body.name}' exists; pick another name.`);
    audit(request, 'environment.update', result.name, { id, ...body });
    return result;
  });

  app.delete('/api/environments/:id', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const environment = await getEnvironment(domain.db, id);
    if (!environment) throw new HttpError(404, `No environment ${id}.`);
    const active = await countActiveDeployments(domain.db, { environmentId: id });
    if (active > 0)
      throw new HttpError(409, activeDeploymentsMessage(`Environment ${environment.name}`, active));
    if (!(await deleteEnvironment(domain.db, id))) throw new HttpError(404, `No environment ${id}.`);
    audit(request, 'environment.delete', environment.name, { id });
    return reply.status(204).send();
  });
}
