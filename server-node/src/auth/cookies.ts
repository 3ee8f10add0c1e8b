import type { FastifyReply, FastifyRequest } from 'fastify';

// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts),
// and Secure with the __Host- prefix whenever the user reached us over HTTPS (directly or through a
// TLS-terminating balancer that says so in X-Forwarded-Proto).
const PLAIN_NAME = 'flotilla_session';
const SECURE_NAME = '__Host-flotilla_session';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    try {
      if (!cookies.has(name)) cookies.set(name, decodeURIComponent(value));
    } catch {
      // A malformed cookie is ignored, not an error.
    }
  }
  return cookies;
}

export function isSecureRequest(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return request.protocol === 'https' || proto === 'https';
}

export function readSessionCookie(request: FastifyRequest): string | null {
  const cookies = parseCookies(request.headers.cookie);
  return cookies.get(SECURE_NAME) ?? cookies.get(PLAIN_NAME) ?? null;
}

// The sign-in form's CSRF token, double-submitted: a random value both in this cookie and in the form.
// Another site can make a browser post the form but can neither read nor set the cookie, so it cannot
// sign a victim in to an account of the attacker's choosing. SameSite=Strict: only our own pages send it.
const LOGIN_CSRF_PLAIN = 'flotilla_login_csrf';
const LOGIN_CSRF_SECURE = '__Host-flotilla_login_csrf';

export function readLoginCsrfCookie(request: FastifyRequest): string | null {
  const cookies = parseCookies(request.headers.cookie);
  return cookies.get(LOGIN_CSRF_SECURE) ?? cookies.get(LOGIN_CSRF_PLAIN) ?? null;
}

/** Lives as long as the browser session, so a form left open for hours still posts. */
export function setLoginCsrfCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  const secure = isSecureRequest(request);
  const name = secure ? LOGIN_CSRF_SECURE : LOGIN_CSRF_PLAIN;
  void reply.header(
    'set-cookie',
    `${name}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
  );
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  const secure = isSecureRequest(request);
  const name = secure ? SECURE_NAME : PLAIN_NAME;
  const flags = [
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ];
  void reply.header('set-cookie', `${name}=${encodeURIComponent(token)}; ${flags.join('; ')}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = isSecureRequest(request);
  const name = secure ? SECURE_NAME : PLAIN_NAME;
  void reply.header(
    'set-cookie',
    `${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`,
  );
}
