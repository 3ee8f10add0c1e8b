import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CreateTaskResultDto } from '../api/index.js';
import { audit } from '../audit/audit.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { readRetentionPolicy, updateRetentionPolicy } from './retention-settings.js';
import { queueRetentionNow } from './schedule-retention.js';

const patchBody = z
  .object({
    everyMinutes: z
      .number()
      .min(0.05, 'at least 0.05 (3 s)')
      .max(7 * 24 * 60)
      .optional(),
    keepReleasesPerProject: z.number().int().min(1).max(10_000).optional(),
    taskLogDays: z.number().min(0).max(3650).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'give everyMinutes, keepReleasesPerProject and/or taskLogDays',
  });

export function retentionRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  app.get('/api/retention', { config: { role: 'viewer' } }, async () => readRetentionPolicy(domain.db));

  app.patch('/api/retention', { config: { role: 'administrator' } }, async (request) => {
    const body = parseOr400(patchBody, request.body, 'request body');
    await updateRetentionPolicy(domain.db, body);
    audit(request, 'retention.update', 'retention', body);
    return readRetentionPolicy(domain.db);
  });

  app.post('/api/retention/run', { config: { role: 'administrator' } }, async (request, reply) => {
    const id = await queueRetentionNow(domain.db, request.caller);
    if (!id)
      throw new HttpError(409, 'A retention task is already queued or running; wait for it to finish.');
    audit(request, 'retention.run', 'retention', { taskId: id });
    return reply.status(201).send({ id } satisfies CreateTaskResultDto);
  });
}
