import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.js';

/** Marks a request one node sent another on a caller's behalf: it is never forwarded again. */
const FORWARDED_BY = 'x-flotilla-forwarded-by';

/** The caller's own credentials, passed on to the peer that owns what was asked for, marked as forwarded. */
export function peerCredentials(request: FastifyRequest, by: string): Record<string, string> {
  const headers: Record<string, string> = { [FORWARDED_BY]: by };
  if (request.headers.authorization) headers.authorization = request.headers.authorization;
  if (request.headers.cookie) headers.cookie = request.headers.cookie;
  return headers;
}

/**
 * A forwarded request for another node that arrived here: the owner's registered URL reaches this node
 * (two nodes share an address, or a publicUrl is wrong). Refused, so a request can never go round in circles.
 */
export function refuseSecondHop(request: FastifyRequest, name: string, here: string): void {
  const from = request.headers[FORWARDED_BY];
  if (typeof from === 'string')
    throw new HttpError(
      502,
      `${name}'s registered URL reaches ${here} instead (asked by ${from}): two nodes share an address, or ` +
        `${name}'s publicUrl in its flotilla.json is wrong.`,
    );
}
