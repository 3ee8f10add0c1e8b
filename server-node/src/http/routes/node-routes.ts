import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NODES_PATH, NODE_PING_PATH, NODE_ROUTE, type UpdateNodeRequest } from '../../api/index.js';
import { deleteNode, updateNode } from '../../sql/node-lifecycle.js';
import { getNode, listNodes, reportNodeStates } from '../../sql/node-rows.js';
import { audit } from '../../audit/audit.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';
import { ACTION_ROLES } from '../../api/roles.js';

const nodeParams = z.object({ name: z.string().min(1) });
const patchNodeBody = z
  .object({
    drain: z.boolean().optional(),
    taskCap: z.number().int().min(0).max(1000).optional(),
  })
  .strict()
  .refine((body) => body.drain !== undefined || body.taskCap !== undefined, {
    message: 'give drain and/or taskCap',
  }) satisfies z.ZodType<UpdateNodeRequest>;

export function nodeRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;

  app.get(NODE_PING_PATH, { config: { role: 'public' } }, async (_request, reply) => {
    const { status, body } = runtime.ping();
    return reply.status(status).send(body);
  });

  app.get(NODES_PATH, { config: { role: 'viewer' } }, async () => listNodes(db));

  app.get(NODE_ROUTE, { config: { role: 'viewer' } }, async (request) => {
    const { name } = parseOr400(nodeParams, request.params, 'path');
    const node = await getNode(db, name);
    if (!node) throw new HttpError(404, `No node named '${name}'.`);
    return node;
  });

  app.patch(NODE_ROUTE, { config: { role: ACTION_ROLES['nodes.update'] } }, async (request) => {
    const { name } = parseOr400(nodeParams, request.params, 'path');
    const change = parseOr400(patchNodeBody, request.body, 'request body');
    if (!(await updateNode(db, name, change, request.caller)))
      throw new HttpError(404, `No node named '${name}'.`);
    audit(
      request,
      change.drain === undefined ? 'node.update' : change.drain ? 'node.drain' : 'node.undrain',
      name,
      change,
    );
    await reportNodeStates(db);
    return getNode(db, name);
  });

  app.delete(NODE_ROUTE, { config: { role: ACTION_ROLES['nodes.remove'] } }, async (request, reply) => {
    const { name } = parseOr400(nodeParams, request.params, 'path');
    const outcome = await deleteNode(db, name, request.caller);
    switch (outcome) {
      case 'deleted':
        audit(request, 'node.delete', name);
        return reply.status(204).send();
      case 'not-found':
        throw new HttpError(404, `No node named '${name}'.`);
      case 'alive':
        throw new HttpError(
          409,
          `Node '${name}' is still running. Stop it (or wait until it is offline) first.`,
        );
      case 'has-tasks':
        throw new HttpError(
          409,
          `Node '${name}' still has tasks executing. They are recovered when it is declared dead; try again then.`,
        );
    }
  });
}
