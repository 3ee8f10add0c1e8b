import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ME_PATH, type MeDto } from '../api/index.js';
import type { Role } from '../api/roles.js';
import { insertAuditEntry } from '../audit/audit-rows.js';
import { deriveKey } from '../crypto/derive-key.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { clearSessionCookie, setSessionCookie } from './cookies.js';
import { releaseSignIn, reserveSignIn, throttleAddress } from './login-rate-limit.js';
import { directorySignIn } from './directory-sign-in.js';
import { UNUSABLE_HASH, verifyPassword } from './password-hash.js';
import type { Principal } from './principal.js';
import { createSession, deleteSession, SESSION_TTL_HOURS } from './session-rows.js';
import { SignInSlots } from './sign-in-slots.js';
import { TooManyRequests } from './too-many-requests.js';
import { findUserByName } from './user-rows.js';

/** The same for an unknown user and a wrong password, local or directory: nobody learns which it was. */
const WRONG_CREDENTIALS = 'Wrong user name or password.';

const credentials = z.object({
  username: z.string().trim().toLowerCase().min(1, 'enter your user name').max(64),
  password: z.string().min(1, 'enter your password').max(1024),
});
const loginBody = credentials
  // The portal's sign-in form also posts where to go next; the API ignores it.
  .extend({ next: z.string().optional() })
  .strict();

// Per node (one process), whatever a flood of sign-ins does: at most two database connections count
// attempts, and scrypt (64 MiB, on libuv's four threads) gets at most half the cores; the rest of the
// node carries on.
const countingSlots = new SignInSlots(2);
const hashingSlots = new SignInSlots(Math.max(1, Math.floor(availableParallelism() / 2)));

export function meDto(principal: Principal, node: string): MeDto {
  return {
    user: { id: principal.userId, username: principal.username, role: principal.role },
    via: principal.via,
    csrfToken: principal.csrfToken,
    node,
  };
}

/**
 * Checks a user name and password under the cluster-wide rate limit, and opens a session.
 * Shared by the API and the portal's sign-in form.
 */
export async function signIn(
  { runtime }: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  form: { username: string; password: string },
): Promise<Principal> {
  const db = runtime.pool;
  const { username, password } = parseOr400(credentials, form, 'sign-in');
  // request.ip is the client's own address: X-Forwarded-For counts only from trusted proxies (trustProxy).
  const address = throttleAddress(request.ip);
  // Counted before the slow hash, so parallel guesses cannot overtake the count, and for unknown names
  // too, so they never cost a hash beyond the address's allowance.
  const retryAfter = await countingSlots.run(() => reserveSignIn(db, address, username));
  if (retryAfter > 0) {
    throw new TooManyRequests(
      `Too many failed sign-ins from this address. Try again in ${retryAfter} s.`,
      retryAfter,
    );
  }
  const found = await findUserByName(db, username);
  const local = found !== null && found.directory_dn === null;
  // Every sign-in costs a hash, local or not, so timing does not reveal which names are local users.
  const valid = await hashingSlots.run(() =>
    verifyPassword(password, local ? found.password_hash : UNUSABLE_HASH),
  );
  const audit = { ip: request.ip, node: runtime.name };
  let user: { id: string; username: string; role: Role } | null =
    local && valid && !found.disabled ? found : null;
  let source: Record<string, unknown> = {};
  // Local users come first: a name that is a local user's is never asked of the directory.
  if (!local) {
    const directory = await directorySignIn(runtime, username, password, audit);
    user = directory?.user ?? null;
    source = directory?.details ?? {};
  }
  if (!user) {
    await insertAuditEntry(db, {
      actor: username,
      action: 'auth.login-failed',
      target: username,
      details: { ...audit, ...source },
    });
    throw new HttpError(401, WRONG_CREDENTIALS);
  }
  await releaseSignIn(db, address, username);
  const session = await createSession(db, deriveKey(runtime.config.masterKey, 'sessions'), user.id);
  setSessionCookie(request, reply, session.token, SESSION_TTL_HOURS * 3600);
  await insertAuditEntry(db, {
    actor: username,
    action: 'auth.login',
    target: username,
    details: { ...audit, ...source },
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
    // A page on another site can post a form (url-encoded or text) here without asking, but not JSON:
    // only JSON, so no other site can sign a browser in to an account of its choosing (login CSRF).
    const type = request.headers['content-type']?.toLowerCase() ?? '';
    if (!type.startsWith('application/json')) {
      throw new HttpError(415, 'Send the sign-in as JSON, with content-type: application/json.');
    }
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
