import type { FastifyRequest } from 'fastify';

/** The caller's own credentials, passed on to the peer that owns what was asked for. */
export function peerCredentials(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.headers.authorization) headers.authorization = request.headers.authorization;
  if (request.headers.cookie) headers.cookie = request.headers.cookie;
  return headers;
}
