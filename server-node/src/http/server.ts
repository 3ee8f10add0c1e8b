import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ErrorDto } from '../api/index.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { findApiKey } from '../sql/api-keys.js';
import { HttpError } from './http-error.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { nodeRoutes } from './routes/node-routes.js';
import { taskRoutes } from './routes/task-routes.js';

/** What every route handler may use. */
export interface RouteContext {
  runtime: NodeRuntime;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: the API key's name, for the events and the audit trail. */
    caller: string;
  }
}

const PUBLIC_ROUTES = new Set(['/api/nodes/ping', '/metrics']);

export function buildServer(runtime: NodeRuntime): FastifyInstance {
  const logger: FastifyBaseLogger = runtime.log.child({ component: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  const context: RouteContext = { runtime };

  app.decorateRequest('caller', '');
  // Every response says which node served it, so an admin can see the balancer spreading users.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-flotilla-node', runtime.name);
  });
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? request.url;
    if (PUBLIC_ROUTES.has(route)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) throw new HttpError(401, 'Missing API key: send "Authorization: Bearer <api key>".');
    const key = await findApiKey(runtime.pool, match[1]!);
    if (!key) throw new HttpError(401, 'Unknown API key.');
    request.caller = `api-key:${key.name}`;
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HttpError) {
      const body: ErrorDto = { error: error.message, ...(error.issues ? { issues: error.issues } : {}) };
      return reply.status(error.status).send(body);
    }
    const fastifyError = error as { statusCode?: number; message: string };
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      // Fastify's own 4xx (malformed JSON, wrong content type, body too large) keep their message.
      return reply.status(fastifyError.statusCode).send({ error: fastifyError.message } satisfies ErrorDto);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'Internal error; see the node log.' } satisfies ErrorDto);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `No route ${request.method} ${request.url}` } satisfies ErrorDto);
  });

  nodeRoutes(app, context);
  clusterRoutes(app, context);
  taskRoutes(app, context);
  eventRoutes(app, context);
  return app;
}
