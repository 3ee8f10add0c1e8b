import type { FastifyRequest } from 'fastify';
import type { AuditEntry } from './audit-rows.js';

/**
 * Records what a request did. The entry is written before the response is sent and only when the
 * request succeeded, so the audit log never claims an action that did not happen.
 */
export function audit(
  request: FastifyRequest,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): void {
  request.auditEntry = { actor: request.caller, action, target, details } satisfies AuditEntry;
}
