import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RouteOptions,
} from 'fastify';
import type { ErrorDto } from '../api/index.js';
import { artifactRoutes } from '../artifacts/artifact-routes.js';
import { auditRoutes } from '../audit/audit-routes.js';
import { authRoutes } from '../auth/auth-routes.js';
import { directoryRoutes } from '../auth/directory-routes.js';
import { installAuth } from '../auth/install-auth.js';
import { SignInRequired } from '../auth/sign-in-required.js';
import { TooManyRequests } from '../auth/too-many-requests.js';
import { userRoutes } from '../auth/user-routes.js';
import { DEFAULT_TRUSTED_PROXIES } from '../config/node-config.js';
import { deploymentRoutes } from '../deploy/deployment-routes.js';
import { DomainContext } from '../domain/domain-context.js';
import { environmentRoutes } from '../environments/environment-routes.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { diagnosticsRoutes } from './routes/diagnostics-routes.js';
import { nodeLogRoutes } from './routes/node-log-routes.js';
import { packageRoutes } from '../packages/package-routes.js';
import { portalErrorPage, portalRoutes } from '../portal/portal-routes.js';
import { projectRoutes } from '../projects/project-routes.js';
import { releaseRoutes } from '../releases/release-routes.js';
import { retentionRoutes } from '../retention/retention-routes.js';
import { targetRoutes } from '../targets/target-routes.js';
import { variableRoutes } from '../variables/variable-routes.js';
import { asDatabaseUnavailable, DatabaseUnavailable, installDatabaseGate } from './database-unavailable.js';
import { HttpError } from './http-error.js';
import { installMaintenance } from './maintenance.js';
import { installNulCheck } from './reject-nul.js';
import type { RouteContext } from './route-context.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { nodeRoutes } from './routes/node-routes.js';
import { taskRoutes } from './routes/task-routes.js';

export interface BuildServerOptions {
  /** Told of every route as it is registered (the fuzz test walks them all from this). */
  onRoute?: (route: RouteOptions) => void;
}

export function buildServer(runtime: NodeRuntime, options: BuildServerOptions = {}): FastifyInstance {
  const logger: FastifyBaseLogger = runtime.log.child({ component: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    // request.ip is the forwarded client address only when a trusted balancer forwarded the request.
    trustProxy: runtime.config.trustedProxies ?? DEFAULT_TRUSTED_PROXIES,
  });
  const context: RouteContext = { runtime, domain: new DomainContext(runtime) };
  runtime.openConnections = () =>
    new Promise((resolve) => app.server.getConnections((error, count) => resolve(error ? 0 : count)));
  const { onRoute } = options;
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route));

  // Every response says which node served it, so an admin can see the balancer spreading users.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-flotilla-node', runtime.name);
  });
  // The portal's forms post url-encoded bodies.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  installDatabaseGate(app, runtime);
  installAuth(app, runtime);
  installMaintenance(app, runtime);
  installNulCheck(app);

  app.setErrorHandler((thrown, request, reply) => {
    // A database that cannot be reached is a 503 with Retry-After, not an internal error.
    const unavailable = thrown instanceof HttpError ? null : asDatabaseUnavailable(thrown);
    if (unavailable)
      request.log.warn({ err: (thrown as Error).message }, 'request refused: database unavailable');
    const error = unavailable ?? thrown;
    if (error instanceof SignInRequired) {
      return reply.redirect(`/login?next=${encodeURIComponent(error.returnTo)}`, 303);
    }
    if (error instanceof HttpError && request.routeOptions.config.portal) {
      return portalErrorPage(request, reply, runtime.name, error.status, error.message);
    }
    if (error instanceof HttpError) {
      if (error instanceof TooManyRequests || error instanceof DatabaseUnavailable)
        reply.header('retry-after', String(error.retryAfterSeconds));
      const body: ErrorDto = { error: error.message, ...(error.issues ? { issues: error.issues } : {}) };
      return reply.status(error.status).send(body);
    }
    const fastifyError = error as { statusCode?: number; message: string };
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      // Fastify's own 4xx (malformed JSON, wrong content type, body too large) keep their message.
      return reply.status(fastifyError.statusCode).send({ error: fastifyError.message } satisfies ErrorDto);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'Internal error; see the node log.' } satisfies ErrorDto);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `No route ${request.method} ${request.url}` } satisfies ErrorDto);
  });

  nodeRoutes(app, context);
  clusterRoutes(app, context);
  diagnosticsRoutes(app, context);
  nodeLogRoutes(app, context);
  taskRoutes(app, context);
  eventRoutes(app, context);
  authRoutes(app, context);
  directoryRoutes(app, context);
  userRoutes(app, context);
  auditRoutes(app, context);
  projectRoutes(app, context);
  environmentRoutes(app, context);
  targetRoutes(app, context);
  variableRoutes(app, context);
  packageRoutes(app, context);
  releaseRoutes(app, context);
  deploymentRoutes(app, context);
  retentionRoutes(app, context);
  artifactRoutes(app, context);
  portalRoutes(app, context);
  return app;
}
