import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listArtifacts } from '../artifacts/artifact-store.js';
import { audit } from '../audit/audit.js';
import { signIn, signOut } from '../auth/auth-routes.js';
import { readLoginCsrfCookie, setLoginCsrfCookie } from '../auth/cookies.js';
import { sameToken } from '../auth/same-token.js';
import { TooManyRequests } from '../auth/too-many-requests.js';
import { getDeploymentByTask, latestDeployments, listStepRuns } from '../deploy/deployment-rows.js';
import { queueDeployment } from '../deploy/queue-deployment.js';
import { idParams } from '../domain/uuid-param.js';
import { listEnvironments } from '../environments/environment-rows.js';
import { HttpError } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { listPackages } from '../packages/package-rows.js';
import { getProject, listProjects } from '../projects/project-rows.js';
import { createRelease } from '../releases/create-release.js';
import { createReleaseBody } from '../releases/release-routes.js';
import { listReleases } from '../releases/release-rows.js';
import { getTask, listAttempts, listTasks } from '../sql/task-rows.js';
import { PORTAL_CSS, PORTAL_JS } from './assets.js';
import type { PageContext } from './layout.js';
import { dashboardPage } from './pages/dashboard-page.js';
import { errorPage } from './pages/error-page.js';
import { loginPage } from './pages/login-page.js';
import { projectPage } from './pages/project-page.js';
import { taskPage } from './pages/task-page.js';
import { tasksPage } from './pages/tasks-page.js';
import { safeNext } from './safe-next.js';

// The web portal: server-rendered pages over the same operations as the API, with one small script
// for the live log. Nothing here keeps state on the node: sessions are in the database, so the next
// click may land on any node behind the balancer.

const PAGE = { config: { role: 'viewer' as const, portal: true } };
const DEPLOYER_FORM = { config: { role: 'deployer' as const, portal: true } };
const PUBLIC = { config: { role: 'public' as const } };
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const loginForm = z.object({
  username: z.string().default(''),
  password: z.string().default(''),
  next: z.string().default('/'),
  _csrf: z.string().default(''),
});
const loginQuery = z.object({ next: z.string().optional() });
/** What the portal itself puts in the sign-in CSRF cookie; anything else is replaced. */
const LOGIN_CSRF_TOKEN = /^[\w-]{32}$/;
const deployForm = z.object({ environmentId: z.uuid('choose an environment') });

function sendPage(reply: FastifyReply, body: string, status = 200) {
  return reply.status(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(body);
}

export function portalRoutes(app: FastifyInstance, context: RouteContext): void {
  const { domain, runtime } = context;
  const page = (request: FastifyRequest): PageContext => ({
    node: runtime.name,
    principal: request.principal,
    maintenance: request.maintenance,
  });

  app.get('/portal.css', PUBLIC, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(PORTAL_CSS),
  );
  app.get('/portal.js', PUBLIC, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(PORTAL_JS),
  );

  /** The sign-in form with its CSRF token: the browser's own (other tabs keep working), or a new one. */
  const sendLoginPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    options: { next: string; error?: string; username?: string },
    status = 200,
  ) => {
    let csrfToken = readLoginCsrfCookie(request);
    if (!csrfToken || !LOGIN_CSRF_TOKEN.test(csrfToken)) {
      csrfToken = randomBytes(24).toString('base64url');
      setLoginCsrfCookie(request, reply, csrfToken);
    }
    return sendPage(reply, loginPage(page(request), { ...options, csrfToken }), status);
  };

  app.get('/login', PUBLIC, async (request, reply) => {
    const next = safeNext(loginQuery.safeParse(request.query).data?.next ?? '/');
    return sendLoginPage(request, reply, { next });
  });

  app.post('/login', PUBLIC, async (request, reply) => {
    const form = loginForm.parse(request.body ?? {});
    const next = safeNext(form.next);
    const cookie = readLoginCsrfCookie(request);
    if (!cookie || !sameToken(form._csrf, cookie)) {
      return sendLoginPage(
        request,
        reply,
        { next, error: 'This sign-in form has expired. Sign in again.', username: form.username },
        403,
      );
    }
    try {
      await signIn(context, request, reply, { username: form.username, password: form.password });
    } catch (error) {
      // 503 says what the user can do nothing about but should know (the directory server is down).
      if (!(error instanceof HttpError) || (error.status >= 500 && error.status !== 503)) throw error;
      const status = error.status === 400 ? 401 : error.status;
      reply.removeHeader('set-cookie');
      if (error instanceof TooManyRequests) reply.header('retry-after', String(error.retryAfterSeconds));
      return sendLoginPage(request, reply, { next, error: error.message, username: form.username }, status);
    }
    return reply.redirect(next, 303);
  });

  app.post('/logout', PAGE, async (request, reply) => {
    await signOut(context, request, reply);
    request.auditEntry = { actor: request.caller, action: 'auth.logout', target: request.caller };
    return reply.redirect('/login', 303);
  });

  app.get('/', PAGE, async (request, reply) => {
    const [projects, environments, latest] = await Promise.all([
      listProjects(domain.db),
      listEnvironments(domain.db),
      latestDeployments(domain.db),
    ]);
    return sendPage(
      reply,
      dashboardPage(page(request), {
        projects: projects.map((p) => ({ id: p.id, name: p.name })),
        environments: environments.map((e) => ({ id: e.id, name: e.name })),
        latest,
      }),
    );
  });

  const renderProject = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    error?: string,
    status = 200,
  ) => {
    const project = await getProject(domain.db, id);
    if (!project) throw new HttpError(404, `No project ${id}.`);
    const [releases, environments, packages] = await Promise.all([
      listReleases(domain.db, id, 50),
      listEnvironments(domain.db),
      listPackages(domain.db, null),
    ]);
    return sendPage(
      reply,
      projectPage(page(request), { project, releases, environments, packages, error }),
      status,
    );
  };

  app.get('/projects/:id', PAGE, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) throw new HttpError(404, 'No such project.');
    return renderProject(request, reply, parsed.data.id);
  });

  app.post('/projects/:id/releases', DEPLOYER_FORM, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) throw new HttpError(404, 'No such project.');
    const form = (request.body ?? {}) as Record<string, string>;
    const packages = Object.fromEntries(
      Object.entries(form)
        .filter(([key, value]) => key.startsWith('package:') && value)
        .map(([key, value]) => [key.slice('package:'.length), value]),
    );
    const body = createReleaseBody.safeParse({ version: form.version ?? '', packages });
    if (!body.success) {
      const message = body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return renderProject(request, reply, parsed.data.id, message, 400);
    }
    try {
      const release = await createRelease(domain, parsed.data.id, body.data, request.caller);
      audit(request, 'release.create', release.version, {
        projectId: parsed.data.id,
        releaseId: release.id,
        packages: release.packages,
      });
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        return renderProject(request, reply, parsed.data.id, error.message, error.status);
      }
      throw error;
    }
    return reply.redirect(`/projects/${parsed.data.id}`, 303);
  });

  app.post('/releases/:id/deploy', DEPLOYER_FORM, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    const form = deployForm.safeParse(request.body ?? {});
    if (!parsed.success || !form.success)
      throw new HttpError(400, 'Choose a release and an environment to deploy to.');
    const queued = await queueDeployment(domain, parsed.data.id, form.data.environmentId, request.caller);
    audit(request, 'deployment.create', queued.description, {
      deploymentId: queued.id,
      taskId: queued.taskId,
    });
    return reply.redirect(`/tasks/${queued.taskId}`, 303);
  });

  app.get('/tasks', PAGE, async (request, reply) =>
    sendPage(
      reply,
      tasksPage(
        page(request),
        await listTasks(domain.db, { limit: 200 }, request.principal?.role ?? 'viewer'),
      ),
    ),
  );

  app.get('/tasks/:id', PAGE, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const task = /^\d{1,18}$/.test(id)
      ? await getTask(domain.db, id, request.principal?.role ?? 'viewer')
      : null;
    if (!task) throw new HttpError(404, `No task ${id}.`);
    const deployment = await getDeploymentByTask(domain.db, id);
    const artifacts = await listArtifacts(domain.sharedDir, id);
    return sendPage(
      reply,
      taskPage(
        page(request),
        { ...task, attemptsDetail: await listAttempts(domain.db, id) },
        deployment ? { ...deployment, steps: await listStepRuns(domain.db, deployment.id) } : null,
        artifacts,
      ),
    );
  });
}

/** Errors on portal pages are pages too. */
export function portalErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  node: string,
  status: number,
  message: string,
) {
  return sendPage(
    reply,
    errorPage({ node, principal: request.principal, maintenance: request.maintenance }, status, message),
    status,
  );
}
