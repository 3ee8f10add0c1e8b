import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ErrorDto } from '../api/index.js';
import { BALANCER_STATS_PATH } from '../api/balancer.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import { insertAuditEntry } from '../audit/audit-rows.js';
import { findKeyOwner } from '../auth/user-api-keys.js';
import type { Db } from '../sql/db.js';
import type { BalancerMembers } from './balancer-members.js';
import { balancerStats, serverStats } from './balancer-stats.js';
import type { Role } from '../api/roles.js';
import { ACTION_ROLES, hasRole } from '../api/roles.js';

// The balancer's own API, beside the cluster's: a prefix no node route uses, so nothing is shadowed.
export const BALANCER_ADMIN_PREFIX = '/_balancer/';

const SERVER_PATH = /^\/_balancer\/servers\/([^/?#]+)$/;
const adminStateBody = z.object({ state: z.enum(['ready', 'drain', 'maint']) }).strict();
const MAX_BODY_BYTES = 64 * 1024;

/** Answers a request under BALANCER_ADMIN_PREFIX; every route takes a cluster API key, like the nodes' API. */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  members: BalancerMembers,
  db: Db,
  log: Logger,
): Promise<void> {
  try {
    const caller = await authorize(req, db);
    const mayChange = hasRole(caller.role, ACTION_ROLES['balancer.update']);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === BALANCER_STATS_PATH && req.method === 'GET') {
      sendJson(res, 200, balancerStats(members.list()));
      return;
    }
    const serverMatch = SERVER_PATH.exec(path);
    if (serverMatch && req.method === 'PUT') {
      if (!mayChange) {
        throw new HttpError(
          403,
          `Changing a balancer member needs the ${ACTION_ROLES['balancer.update']} role; ${caller.name} is a ${caller.role}.`,
        );
      }
      const name = decodeURIComponent(serverMatch[1]!);
      const { state } = parseOr400(adminStateBody, await readJson(req), 'request body');
      const member = members.setAdminState(name, state);
      if (!member) throw new HttpError(404, `No node named '${name}' behind this balancer.`);
      log.info({ member: name, adminState: state, by: caller.name }, 'admin state changed through the API');
      await insertAuditEntry(db, {
        actor: caller.name,
        action: 'balancer.set-state',
        target: name,
        details: { state },
      });
      sendJson(res, 200, serverStats(member));
      return;
    }
    throw new HttpError(404, `No route ${req.method} ${path}`);
  } catch (error) {
    if (error instanceof HttpError) {
      sendJson(res, error.status, {
        error: error.message,
        ...(error.issues ? { issues: error.issues } : {}),
      } satisfies ErrorDto);
      return;
    }
    log.error({ err: error }, 'balancer admin request failed');
    sendJson(res, 500, { error: 'Internal error; see the balancer log.' } satisfies ErrorDto);
  }
}

/** Checks the Bearer key against the cluster's API keys; returns who holds it and their role. */
async function authorize(req: IncomingMessage, db: Db): Promise<{ name: string; role: Role }> {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'Missing API key: send "Authorization: Bearer <api key>".');
  const key = await findKeyOwner(db, match[1]!).catch(() => {
    throw new HttpError(503, 'Cannot check the API key: the cluster database does not answer. Try again.');
  });
  if (!key) throw new HttpError(401, 'Unknown API key.');
  return { name: key.username ?? `api-key:${key.keyName}`, role: key.role };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
