import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CLUSTER_PATH, type ClusterDto, type UpdateClusterRequest } from '../../api/index.js';
import { resolveSettings } from '../../config/cluster-settings.js';
import { readSchemaState } from '../../db/schema-state.js';
import { readMaintenance } from '../../migration/maintenance-flag.js';
import { readClusterRow, setPaused } from '../../sql/cluster-row.js';
import { currentLeader } from '../../sql/node-lifecycle.js';
import { queueCounts } from '../../sql/task-rows.js';
import { audit } from '../../audit/audit.js';
import { parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';
import { ACTION_ROLES } from '../../api/roles.js';

const patchClusterBody = z.object({ paused: z.boolean() }).strict() satisfies z.ZodType<UpdateClusterRequest>;

export function clusterRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;

  const clusterInfo = async (): Promise<ClusterDto> => {
    const [cluster, queue, leader, schema, maintenance] = await Promise.all([
      readClusterRow(db),
      queueCounts(db),
      currentLeader(db),
      readSchemaState(db),
      readMaintenance(db),
    ]);
    return {
      clusterId: cluster!.cluster_id,
      queue,
      paused: cluster!.paused,
      leader,
      schemaVersion: schema.version,
      schema,
      sharedDir: cluster!.shared_dir,
      settings: resolveSettings(cluster!.settings),
      maintenance,
    };
  };

  app.get(CLUSTER_PATH, { config: { role: 'viewer' } }, clusterInfo);

  app.patch(CLUSTER_PATH, { config: { role: ACTION_ROLES['cluster.update'] } }, async (request) => {
    const body = parseOr400(patchClusterBody, request.body, 'request body');
    await setPaused(db, body.paused, request.caller);
    audit(request, body.paused ? 'cluster.pause' : 'cluster.resume', 'queue');
    return clusterInfo();
  });
}
