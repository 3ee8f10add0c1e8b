import type { ClusterDto } from '../api/index.js';
import { resolveSettings } from '../config/cluster-settings.js';
import { readSchemaState } from '../db/schema-state.js';
import { readMaintenance } from '../migration/maintenance-flag.js';
import { readClusterRow } from '../sql/cluster-row.js';
import type { Db } from '../sql/db.js';
import { currentLeader } from '../sql/node-lifecycle.js';
import { queueCounts } from '../sql/task-rows.js';

/** GET /api/cluster's answer: queue, leader, schema, shared folder, settings, maintenance. */
export async function readClusterInfo(db: Db): Promise<ClusterDto> {
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
}
