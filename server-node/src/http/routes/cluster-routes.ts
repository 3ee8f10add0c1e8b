import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CLUSTER_PATH, type UpdateClusterRequest } from '../../api/index.js';
import { readClusterInfo } from '../../cluster/cluster-info.js';
import { setPaused } from '../../sql/cluster-row.js';
import { audit } from '../../audit/audit.js';
import { parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';
import { ACTION_ROLES } from '../../api/roles.js';

const patchClusterBody = z.object({ paused: z.boolean() }).strict() satisfies z.ZodType<UpdateClusterRequest>;

export function clusterRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;

  const clusterInfo = () => readClusterInfo(db);

  app.get(CLUSTER_PATH, { config: { role: 'viewer' } }, clusterInfo);

  app.patch(CLUSTER_PATH, { config: { role: ACTION_ROLES['cluster.update'] } }, async (request) => {
    const body = parseOr400(patchClusterBody, request.body, 'request body');
    await setPaused(db, body.paused, request.caller);
    audit(request, body.paused ? 'cluster.pause' : 'cluster.resume', 'queue');
    return clusterInfo();
  });
}
