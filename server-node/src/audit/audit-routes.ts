import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { listAuditEntries } from './audit-rows.js';

const auditQuery = z
  .object({
    actor: z.string().min(1).optional(),
    action: z.string().min(1).optional(),
    before: z
      .string()
      .regex(/^\d{1,18}$/, 'before must be an audit entry id')
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function auditRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  app.get('/api/audit', { config: { role: 'administrator' } }, async (request) =>
    listAuditEntries(runtime.pool, parseOr400(auditQuery, request.query, 'query')),
  );
}
