import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { NodeRuntime } from '../node/node-runtime.js';
import { HttpError } from './http-error.js';

/** What a client refused because the database is out of reach should wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/** A 503 for a request the node cannot serve without its database; says why and when to try again. */
export class DatabaseUnavailable extends HttpError {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;

  constructor(reason: string) {
    super(503, `The cluster's database cannot be used right now (${reason}). Try again in a few seconds.`);
  }
}

/** The socket errors a query meets when the server is gone or the network to it is. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server that cannot serve now: connection exceptions, shutting down or starting up, full. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** What node-postgres itself says when a connection breaks or none comes in time. */
const DRIVER_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

/**
 * A database failure that is about reaching the database, not about the request (routes open no other
 * connections), as a 503; anything else stays what it was (a bug is still a 500).
 */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailable | null {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const unavailable =
    (typeof code === 'string' &&
      (NETWORK_CODES.has(code) || (error instanceof pg.DatabaseError && UNAVAILABLE_SQLSTATE.test(code)))) ||
    DRIVER_MESSAGE.test(text);
  return unavailable ? new DatabaseUnavailable(text || String(code)) : null;
}

/**
 * While the node knows its database is out of reach (its heartbeats stopped getting through), requests
 * that need it get a 503 at once instead of waiting for a connection that cannot come: a black-holed
 * database would otherwise hold each one for the pool's timeouts. Public routes (the ping, the sign-in
 * page) go through; the ping says the same thing to the balancer. Registered before authentication,
 * which is the first thing that queries the database.
 */
export function installDatabaseGate(app: FastifyInstance, runtime: NodeRuntime): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const role = request.routeOptions.config.role;
    const problem = !role || role === 'public' ? null : runtime.databaseProblem();
    done(problem ? new DatabaseUnavailable(problem) : undefined);
  });
}
