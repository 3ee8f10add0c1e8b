import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CreateTaskResultDto } from '../api/index.js';
import { audit } from '../audit/audit.js';
import type { DomainContext } from '../domain/domain-context.js';
import { idParams } from '../domain/uuid-param.js';
import { getEnvironment } from '../environments/environment-rows.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { insertTask } from '../sql/task-rows.js';
import type { DbTarget, TargetFields } from './target-rows.js';
import {
  deleteTarget,
  getTarget,
  insertTarget,
  listTargets,
  replaceTarget,
  TARGET_AUTH_CONTEXT,
  toTargetDto,
} from './target-rows.js';

const deployRoot = z
  .string()
  .refine((root) => path.posix.isAbsolute(root) && !root.split('/').includes('..'), {
    message: "use an absolute path without '..' (e.g. /opt/apps)",
  });
const common = {
  name: z.string().trim().min(1, 'name the target').max(100),
  environmentId: z.uuid('environmentId must be a UUID'),
  roles: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  deployRoot,
};
const sshAuth = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('key'),
      privateKey: z
        .string()
        .includes('PRIVATE KEY', { message: 'paste the private key in OpenSSH or PEM form' }),
      passphrase: z.string().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('password'), password: z.string().min(1, 'enter the password') }).strict(),
]);
const fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'use the SHA256:… form that ssh-keygen -lf prints');
const targetBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('ssh'),
      ...common,
      host: z.string().trim().min(1, 'enter the host name or address').max(255),
      port: z.number().int().min(1).max(65_535).default(22),
      username: z.string().trim().min(1, 'enter the user to sign in as').max(100),
      // Absent on update: keep the stored credentials.
      auth: sshAuth.optional(),
      hostKeyFingerprint: fingerprint.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('node'), ...common }).strict(),
]);
const listQuery = z.object({ environmentId: z.uuid('environmentId must be a UUID').optional() }).strict();

function fields(
  domain: DomainContext,
  body: z.infer<typeof targetBody>,
  existing: DbTarget | null,
): TargetFields {
  const base = {
    name: body.name,
    environmentId: body.environmentId,
    kind: body.kind,
    roles: body.roles,
    deployRoot: body.deployRoot,
  };
  if (body.kind === 'node') {
    return {
      ...base,
      host: null,
      port: null,
      username: null,
      authKind: null,
      authSecret: null,
      hostKeyFingerprint: null,
    };
  }
  const endpoint = {
    host: body.host,
    port: body.port,
    username: body.username,
    hostKeyFingerprint: body.hostKeyFingerprint ?? null,
  };
  const stored = existing?.kind === 'ssh' && existing.auth_secret !== null ? existing : null;
  if (!body.auth && !stored) {
    throw new HttpError(
      400,
      'Invalid request body: auth: give a private key or a password for the SSH target',
      [{ path: 'auth', message: 'give {kind:"key", privateKey} or {kind:"password", password}' }],
    );
  }
  if (!body.auth && stored) {
    const changed = endpointChanges(stored, endpoint);
    if (changed.length > 0) {
      const message = `${changed.join('; ')}: give the password or private key again, so a stored secret is never sent to another host`;
      throw new HttpError(400, `Invalid request body: auth: ${message}`, [{ path: 'auth', message }]);
    }
  }
  return {
    ...base,
    ...endpoint,
    authKind: body.auth?.kind ?? stored!.auth_kind,
    authSecret: body.auth
      ? domain.secrets.encrypt(JSON.stringify(body.auth), TARGET_AUTH_CONTEXT)
      : stored!.auth_secret,
  };
}

/**
 * What the stored credentials are bound to: the host, port and user they sign in as, and the host key
 * that proves the host. Changing any of them without giving the credentials again could hand the
 * stored password or key to someone else's server, so each change is named (compared exactly: a
 * differently spelt host name may resolve elsewhere).
 */
function endpointChanges(
  stored: DbTarget,
  next: { host: string; port: number; username: string; hostKeyFingerprint: string | null },
): string[] {
  const shown = (value: string | number | null) => (typeof value === 'string' ? `'${value}'` : String(value));
  const pairs: [string, string | number | null, string | number | null][] = [
    ['host', stored.host, next.host],
    ['port', stored.port, next.port],
    ['username', stored.username, next.username],
    ['hostKeyFingerprint', stored.host_key_fingerprint, next.hostKeyFingerprint],
  ];
  return pairs
    .filter(([, before, after]) => before !== after)
    .map(([field, before, after]) => `${field} changed from ${shown(before)} to ${shown(after)}`);
}

// Targets carry credentials and decide where scripts run: administrators manage them; deployers may
// check their health.
export function targetRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  const db = domain.db;
  const targetOr404 = async (id: string) => {
    const target = await getTarget(db, id);
    if (!target) throw new HttpError(404, `No target ${id}.`);
    return target;
  };
  const checkEnvironment = async (environmentId: string) => {
    if (!(await getEnvironment(db, environmentId))) {
      throw new HttpError(400, `Invalid request body: environmentId: no environment ${environmentId}`, [
        { path: 'environmentId', message: 'no such environment' },
      ]);
    }
  };

  app.get('/api/targets', { config: { role: 'viewer' } }, async (request) => {
    const { environmentId } = parseOr400(listQuery, request.query, 'query');
    return (await listTargets(db, environmentId ?? null)).map(toTargetDto);
  });

  app.post('/api/targets', { config: { role: 'administrator' } }, async (request, reply) => {
    const body = parseOr400(targetBody, request.body, 'request body');
    await checkEnvironment(body.environmentId);
    const target = await insertTarget(db, fields(domain, body, null));
    if (target === 'name-taken')
      throw new HttpError(409, `A target named '${body.name}' exists; pick another name.`);
    audit(request, 'target.create', target.name, { id: target.id, kind: target.kind });
    return reply.status(201).send(toTargetDto(target));
  });

  app.get('/api/targets/:id', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    return toTargetDto(await targetOr404(id));
  });

  app.put('/api/targets/:id', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const body = parseOr400(targetBody, request.body, 'request body');
    const existing = await targetOr404(id);
    await checkEnvironment(body.environmentId);
    const target = await replaceTarget(db, id, fields(domain, body, existing));
    if (target === 'name-taken')
      throw new HttpError(409, `A target named '${body.name}' exists; pick another name.`);
    if (!target) throw new HttpError(404, `No target ${id}.`);
    audit(request, 'target.update', target.name, {
      id,
      credentialsChanged: body.kind === 'ssh' && !!body.auth,
    });
    return toTargetDto(target);
  });

  app.delete('/api/targets/:id', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const target = await targetOr404(id);
    await deleteTarget(db, id);
    audit(request, 'target.delete', target.name, { id });
    return reply.status(204).send();
  });

  app.post('/api/targets/:id/health-check', { config: { role: 'deployer' } }, async (request, reply) => {
    const { id } = parseOr400(idParams, request.params, 'path');
    const target = await targetOr404(id);
    const taskId = await insertTask(db, {
      kind: 'health-check',
      args: { targetId: id },
      description: `Health check of ${target.name}`,
    });
    audit(request, 'target.health-check', target.name, { id, taskId });
    return reply.status(201).send({ id: taskId } satisfies CreateTaskResultDto);
  });
}
