import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH } from '../../api/index.js';
import { findKeyOwner } from '../../auth/user-api-keys.js';
import { readClusterSettings } from '../../config/cluster-settings.js';
import { streamEvents } from '../event-stream.js';
import { HttpError } from '../http-error.js';
import type { RouteContext } from '../route-context.js';

export function eventRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  app.get(EVENTS_PATH, { config: { role: 'viewer' } }, (request, reply) =>
    streamEvents(runtime.pool, request, reply),
  );

  // Who may scrape is the cluster setting `metrics`, read at each scrape so a change needs no restart:
  // `key` (default) any valid API key, whatever its role; `public` anyone; `off` no such route.
  // The route itself is public so that the setting, not the route table, decides.
  app.get('/metrics', { config: { role: 'public' } }, async (request, reply) => {
    const { metrics } = await readClusterSettings(runtime.pool);
    if (metrics === 'off') return reply.callNotFound();
    if (metrics === 'key') {
      const key = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!key || !(await findKeyOwner(runtime.pool, key))) {
        throw new HttpError(
          401,
          '/metrics needs an API key: send "Authorization: Bearer <api key>" (any role will do), or an administrator sets the cluster setting metrics to public.',
        );
      }
    }
    runtime.metrics.running.set(runtime.worker.running.size);
    return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
}
