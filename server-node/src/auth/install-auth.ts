import type { FastifyInstance, FastifyRequest } from 'fastify';
import { insertAuditEntry } from '../audit/audit-rows.js';
import type { AuditEntry } from '../audit/audit-rows.js';
import { deriveKey } from '../crypto/derive-key.js';
import { HttpError } from '../http/http-error.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { readSessionCookie } from './cookies.js';
import { SignInRequired } from './sign-in-required.js';
import type { Principal } from './principal.js';
import { actorName } from './principal.js';
import type { Role } from '../api/roles.js';
import { hasRole } from '../api/roles.js';
import { sameToken } from './same-token.js';
import { findSession } from './session-rows.js';
import { findKeyOwner } from './user-api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, for events and the audit trail ('admin', 'ci (api key deploy-bot)'). */
    caller: string;
    principal: Principal | null;
    auditEntry: AuditEntry | null;
  }
  interface FastifyContextConfig {
    /** The least role a route needs, or 'public'. Every route must say: a route without it fails to register. */
    role?: Role | 'public';
    /** Portal pages answer a missing session with a redirect to the sign-in page instead of a 401. */
    portal?: boolean;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function csrfTokenOf(request: FastifyRequest): string | null {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as { _csrf?: unknown } | null | undefined;
  return body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : null;
}

/**
 * Authentication and authorisation for every route: an API key (`Authorization: Bearer`) or a
 * session cookie that any node accepts (sessions live in the database); the route's declared role;
 * CSRF tokens on cookie-authenticated writes; the audit entry a successful write leaves behind.
 */
export function installAuth(app: FastifyInstance, runtime: NodeRuntime): void {
  const sessionKey = deriveKey(runtime.config.masterKey, 'sessions');
  app.decorateRequest('caller', '');
  app.decorateRequest('principal', null);
  app.decorateRequest('auditEntry', null);

  // Fail closed: a route that forgot to declare its role is a programming error caught at start.
  app.addHook('onRoute', (route) => {
    if (!route.config?.role) throw new Error(`route ${String(route.method)} ${route.url} declares no role`);
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unknown routes reach the not-found handler, which tells nobody anything.
    if (!config.role || config.role === 'public') return;
    const principal = await authenticate(request);
    if (!principal) {
      if (config.portal) throw new SignInRequired(request.url);
      throw new HttpError(401, 'Not signed in: send "Authorization: Bearer <api key>" or sign in at /login.');
    }
    request.principal = principal;
    if (!hasRole(principal.role, config.role)) {
      throw new HttpError(
        403,
        `This needs the ${config.role} role; ${principal.username} is ${principal.role === 'administrator' ? 'an' : 'a'} ${principal.role}. Ask an administrator for access.`,
      );
    }
  });

  const authenticate = async (request: FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer (\S+)$/.exec(header);
      if (!match) throw new HttpError(401, 'Malformed Authorization header: send "Bearer <api key>".');
      const owner = await findKeyOwner(runtime.pool, match[1]!);
      if (!owner) throw new HttpError(401, 'Unknown API key.');
      const principal: Principal = {
        userId: owner.userId,
        username: owner.username ?? `api-key:${owner.keyName}`,
        role: owner.role,
        via: 'api-key',
        sessionId: null,
        csrfToken: null,
      };
      request.caller = owner.username ? actorName(principal, owner.keyName) : principal.username;
      return principal;
    }
    const token = readSessionCookie(request);
    if (!token) return null;
    const session = await findSession(runtime.pool, sessionKey, token);
    if (!session) return null;
    request.caller = session.username;
    return {
      userId: session.userId,
      username: session.username,
      role: session.role,
      via: 'session',
      sessionId: session.sessionId,
      csrfToken: session.csrfToken,
    };
  };

  // After the body is parsed: a browser session writing anything must prove the page was ours.
  app.addHook('preHandler', (request, _reply, done) => {
    const principal = request.principal;
    if (!principal || principal.via !== 'session' || !UNSAFE_METHODS.has(request.method)) return done();
    const sent = csrfTokenOf(request);
    if (!sent || !principal.csrfToken || !sameToken(sent, principal.csrfToken)) {
      return done(
        new HttpError(
          403,
          'Missing or wrong CSRF token: reload the page and try again (API clients: send x-csrf-token from /api/auth/me).',
        ),
      );
    }
    done();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 || !UNSAFE_METHODS.has(request.method)) return payload;
    const entry: AuditEntry | null =
      request.auditEntry ??
      (request.principal
        ? {
            actor: request.caller,
            action: `${request.method} ${request.routeOptions.url ?? request.url}`,
            target: null,
            details: { params: request.params },
          }
        : null);
    if (entry) await insertAuditEntry(runtime.pool, entry);
    return payload;
  });
}
