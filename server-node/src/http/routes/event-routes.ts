import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH } from '../../api/index.js';
import { streamEvents } from '../event-stream.js';
import type { RouteContext } from '../route-context.js';

export function eventRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  app.get(EVENTS_PATH, { config: { role: 'viewer' } }, (request, reply) =>
    streamEvents(runtime.pool, request, reply),
  );

  app.get('/metrics', { config: { role: 'public' } }, async (_request, reply) => {
    runtime.metrics.running.set(runtime.worker.running.size);
    return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
}
