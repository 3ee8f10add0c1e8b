import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ME_PATH, type MeDto } from '../api/index.js';
import { insertAuditEntry } from '../audit/audit-rows.js';
import { deriveKey } from '../crypto/derive-key.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { clearSessionCookie, setSessionCookie } from './cookies.js';
import { clearLoginFailures, loginRetryAfter, recordLoginFailure } from './login-rate-limit.js';
import { UNUSABLE_HASH, verifyPassword } from './password-hash.js';
import type { Principal } from './principal.js';
import { createSession, deleteSession, SESSION_TTL_HOURS } from './session-rows.js';
import { TooManyRequests } from './too-many-requests.js';
import { findUserByName } from './user-rows.js';

const loginBody = z
  .object({
    username: z.string().min(1, 'enter your user name').max(64),
    password: z.string().min(1, 'enter your password').max(1024),
    // The portal's sign-in form also posts where to go next; the API ignores it.
    next: z.string().optional(),
  })
  .strict();

export function meDto(principal: Principal, node: string): MeDto {
  return {
    user: { id: principal.userId, username: principal.username, role: principal.role },
    via: principal.via,
    csrfToken: principal.csrfToken,
    node,
  };
}

export interface SignInResult {
  principal: Principal;
}

/**
 * Checks a user name and password under the cluster-wide rate limit, and opens a session.
 * Shared by the API and the portal's sign-in form.
 */
export async function signIn(
  { runtime }: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { username: string; password: string },
): Promise<Principal> {
  const db = runtime.pool;
  const username = credentials.username.trim().toLowerCase();
  const retryAfter = await loginRetryAfter(db, username);
  if (retryAfter > 0) {
    throw new TooManyRequests(
      `Too many failed sign-ins for '${username}'. Try again in ${retryAfter} s, or ask an administrator to reset the password.`,
      retryAfter,
    );
  }
  const user = await findUserByName(db, username);
  // Unknown users cost the same time as known ones, so timing does not reveal who exists.
  const valid = await verifyPassword(credentials.password, user?.password_hash ?? UNUSABLE_HASH);
  if (!user || !valid || user.disabled) {
    await recordLoginFailure(db, username);
    await insertAuditEntry(db, {
      actor: username,
      action: 'auth.login-failed',
      target: username,
      details: { ip: request.ip, node: runtime.name },
    });
    throw new HttpError(401, 'Wrong user name or password.');
  }
  await clearLoginFailures(db, username);
  const session = await createSession(db, deriveKey(runtime.config.masterKey, 'sessions'), user.id);
  setSessionCookie(request, reply, session.token, SESSION_TTL_HOURS * 3600);
  await insertAuditEntry(db, {
    actor: username,
    action: 'auth.login',
    target: username,
    details: { ip: request.ip, node: runtime.name },
  });
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    via: 'session',
    sessionId: null,
    csrfToken: session.csrfToken,
  };
}

export async function signOut({ runtime }: RouteContext, request: FastifyRequest, reply: FastifyReply) {
  if (request.principal?.sessionId) await deleteSession(runtime.pool, request.principal.sessionId);
  clearSessionCookie(request, reply);
}

export function authRoutes(app: FastifyInstance, context: RouteContext): void {
  app.post('/api/auth/login', { config: { role: 'public' } }, async (request, reply) => {
    const body = parseOr400(loginBody, request.body, 'request body');
    const principal = await signIn(context, request, reply, body);
    return meDto(principal, context.runtime.name);
  });

  app.post('/api/auth/logout', { config: { role: 'viewer' } }, async (request, reply) => {
    await signOut(context, request, reply);
    request.auditEntry = { actor: request.caller, action: 'auth.logout', target: request.caller };
    return reply.status(204).send();
  });

  app.get(ME_PATH, { config: { role: 'viewer' } }, (request, reply) =>
    reply.send(meDto(request.principal!, context.runtime.name)),
  );
}
