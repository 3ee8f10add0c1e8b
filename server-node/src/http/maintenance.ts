import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { MaintenanceDto } from '../api/index.js';
import { maintenanceMessage } from '../api/index.js';
import { readMaintenance } from '../migration/maintenance-flag.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { HttpError } from './http-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The cluster's maintenance flag, read for writes and portal pages (the banner); null otherwise. */
    maintenance: MaintenanceDto | null;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Signing out is no change to the cluster's data: users may always end their session. */
const SESSION_ROUTES = new Set(['/logout', '/api/auth/logout']);
/** How long a node believes the flag it read: writes during that time may miss a flag just set. */
const FLAG_TTL_MS = 500;
/** What a client refused during maintenance should wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The flag as this node last read it, at most FLAG_TTL_MS old; concurrent readers share one query, so
 * a node under load asks the database at most twice a second. (The migration's switch stops the node
 * after setting the flag, so a write that slips through in those milliseconds is still copied.)
 */
class MaintenanceFlag {
  private value: MaintenanceDto | null = null;
  private readAt = -Infinity;
  private reading: Promise<MaintenanceDto | null> | null = null;

  constructor(
    private readonly db: pg.Pool,
    private readonly onError: (error: Error) => void,
  ) {}

  current(): Promise<MaintenanceDto | null> {
    if (performance.now() - this.readAt < FLAG_TTL_MS) return Promise.resolve(this.value);
    // Its age counts from when the read was sent: a slow answer is no fresher than its question.
    const sentAt = performance.now();
    this.reading ??= readMaintenance(this.db)
      .then(
        (value) => {
          this.value = value;
          this.readAt = sentAt;
          return value;
        },
        (error: Error) => {
          // The flag cannot be read (the database is failing): the request will meet the same failure.
          this.onError(error);
          return this.value;
        },
      )
      .finally(() => (this.reading = null));
    return this.reading;
  }
}

/** Writes are checked; portal pages (and the sign-in page) show the banner. */
function wantsFlag(request: FastifyRequest): boolean {
  return (
    UNSAFE_METHODS.has(request.method) ||
    request.routeOptions.config.portal === true ||
    request.routeOptions.url === '/login'
  );
}

/**
 * Maintenance mode in the HTTP layer (DESIGN.md "Maintenance"): while the cluster's flag is set, writes
 * by anyone but an administrator get 503 `maintenance: <reason>` with Retry-After; reads, sign-in and
 * sign-out keep working, and portal pages carry the flag for their banner. `/api/nodes/ping` is not
 * touched: a node in maintenance still serves, and the balancer must keep sending it users.
 * Registered after installAuth, so the caller's role is known.
 */
export function installMaintenance(app: FastifyInstance, runtime: NodeRuntime): void {
  const flag = new MaintenanceFlag(runtime.pool, (error) =>
    runtime.log.warn({ err: error.message }, 'could not read the maintenance flag'),
  );
  app.decorateRequest('maintenance', null);
  app.addHook('preHandler', async (request, reply) => {
    if (!wantsFlag(request)) return;
    const maintenance = await flag.current();
    request.maintenance = maintenance;
    if (!maintenance || !UNSAFE_METHODS.has(request.method)) return;
    const config = request.routeOptions.config;
    if (config.role === 'public' || SESSION_ROUTES.has(request.routeOptions.url ?? '')) return;
    if (request.principal?.role === 'administrator') return;
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    throw new HttpError(503, maintenanceMessage(maintenance.reason));
  });
}
