import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CreatedApiKeyDto } from '../api/index.js';
import { audit } from '../audit/audit.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { generateApiKey } from '../sql/api-keys.js';
import { hashPassword } from './password-hash.js';
import { ROLES } from '../api/roles.js';
import { deleteUserApiKey, insertUserApiKey, listUserApiKeys } from './user-api-keys.js';
import {
  countOtherAdministrators,
  deleteUser,
  getUser,
  insertUser,
  listUsers,
  toUserDto,
  updateUser,
  type DbUser,
} from './user-rows.js';

export const usernameSchema = z
  .string()
  .transform((name) => name.trim().toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._@-]{0,63}$/,
        'use 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
      ),
  );
export const passwordSchema = z
  .string()
  .min(12, 'use at least 12 characters')
  .max(1024, 'use at most 1024 characters');
const roleSchema = z.enum(ROLES);

const createUserBody = z
  .object({ username: usernameSchema, password: passwordSchema, role: roleSchema })
  .strict();
const patchUserBody = z
  .object({
    role: roleSchema.optional(),
    password: passwordSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give role, password and/or disabled' });
const userParams = z.object({ id: z.uuid('user id must be a UUID') });
const keyParams = z.object({ id: z.uuid('user id must be a UUID'), keyId: z.uuid('key id must be a UUID') });
const createKeyBody = z.object({ name: z.string().trim().min(1, 'name the key').max(100) }).strict();

/** Users manage their own API keys; administrators manage everyone's. */
function checkSelfOrAdmin(request: FastifyRequest, userId: string): void {
  const principal = request.principal!;
  if (principal.role !== 'administrator' && principal.userId !== userId) {
    throw new HttpError(403, `Only administrators manage other users' API keys.`);
  }
}

export function userRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;
  // A local administrator always exists: directory administrators cannot sign in while the directory is
  // down or misconfigured, so they never count as the last one.
  const keepLocalAdministrator = async (user: DbUser) => {
    if (user.role !== 'administrator' || user.directory_dn !== null) return;
    if ((await countOtherAdministrators(db, user.id)) > 0) return;
    throw new HttpError(
      409,
      `'${user.username}' is the last administrator with a local account, which must exist for when the directory cannot be reached; make another local user administrator first.`,
    );
  };
  const userOr404 = async (id: string) => {
    const user = await getUser(db, id);
    if (!user) throw new HttpError(404, `No user ${id}.`);
    return user;
  };

  app.get('/api/users', { config: { role: 'administrator' } }, async () =>
    (await listUsers(db)).map(toUserDto),
  );

  app.post('/api/users', { config: { role: 'administrator' } }, async (request, reply) => {
    const body = parseOr400(createUserBody, request.body, 'request body');
    const user = await insertUser(db, {
      username: body.username,
      passwordHash: await hashPassword(body.password),
      role: body.role,
    });
    if (!user) throw new HttpError(409, `User '${body.username}' already exists; pick another name.`);
    audit(request, 'user.create', user.username, { role: user.role });
    return reply.status(201).send(toUserDto(user));
  });

  app.get('/api/users/:id', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(userParams, request.params, 'path');
    return toUserDto(await userOr404(id));
  });

  app.patch('/api/users/:id', { config: { role: 'administrator' } }, async (request) => {
    const { id } = parseOr400(userParams, request.params, 'path');
    const body = parseOr400(patchUserBody, request.body, 'request body');
    const user = await userOr404(id);
    const losesAdmin = (body.role && body.role !== 'administrator') || body.disabled;
    if (losesAdmin) await keepLocalAdministrator(user);
    const updated = await updateUser(db, id, {
      role: body.role,
      disabled: body.disabled,
      passwordHash: body.password ? await hashPassword(body.password) : undefined,
    });
    audit(request, 'user.update', user.username, {
      ...(body.role ? { role: body.role } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      ...(body.password ? { passwordChanged: true } : {}),
    });
    return toUserDto(updated!);
  });

  app.delete('/api/users/:id', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id } = parseOr400(userParams, request.params, 'path');
    const user = await userOr404(id);
    await keepLocalAdministrator(user);
    await deleteUser(db, id);
    audit(request, 'user.delete', user.username);
    return reply.status(204).send();
  });

  app.get('/api/users/:id/api-keys', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(userParams, request.params, 'path');
    checkSelfOrAdmin(request, id);
    await userOr404(id);
    return listUserApiKeys(db, id);
  });

  app.post('/api/users/:id/api-keys', { config: { role: 'viewer' } }, async (request, reply) => {
    const { id } = parseOr400(userParams, request.params, 'path');
    checkSelfOrAdmin(request, id);
    const body = parseOr400(createKeyBody, request.body, 'request body');
    const user = await userOr404(id);
    const key = generateApiKey();
    const keyId = await insertUserApiKey(db, id, body.name, key);
    audit(request, 'api-key.create', user.username, { name: body.name, keyId });
    const created: CreatedApiKeyDto = {
      id: keyId,
      name: body.name,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      key,
    };
    return reply.status(201).send(created);
  });

  app.delete('/api/users/:id/api-keys/:keyId', { config: { role: 'viewer' } }, async (request, reply) => {
    const { id, keyId } = parseOr400(keyParams, request.params, 'path');
    checkSelfOrAdmin(request, id);
    const user = await userOr404(id);
    if (!(await deleteUserApiKey(db, id, keyId)))
      throw new HttpError(404, `User ${id} has no API key ${keyId}.`);
    audit(request, 'api-key.delete', user.username, { keyId });
    return reply.status(204).send();
  });
}
