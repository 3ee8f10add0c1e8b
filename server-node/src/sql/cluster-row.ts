import type { Db } from './db.js';

export interface DbCluster {
  cluster_id: string;
  shared_dir: string;
  master_key_check: string;
  paused: boolean;
  settings: unknown;
}

export async function readClusterRow(db: Db): Promise<DbCluster | null> {
  const result = await db.query<DbCluster>(
    `select cluster_id, shared_dir, master_key_check, paused, settings from cluster where id = 1`,
  );
  return result.rows[0] ?? null;
}

export async function insertClusterRow(
  db: Db,
  row: { clusterId: string; sharedDir: string; masterKeyCheck: string; settings: object },
): Promise<boolean> {
  const result = await db.query(
    `insert into cluster (id, cluster_id, shared_dir, master_key_check, settings)
     values (1, $1, $2, $3, $4) on conflict (id) do nothing`,
    [row.clusterId, row.sharedDir, row.masterKeyCheck, JSON.stringify(row.settings)],
  );
  return result.rowCount === 1;
}

export async function setSharedDir(db: Db, sharedDir: string): Promise<void> {
  await db.query(`update cluster set shared_dir = $1 where id = 1`, [sharedDir]);
  await db.query(`insert into events (type, data) values ('cluster.updated', $1)`, [
    JSON.stringify({ sharedDir }),
  ]);
}

export async function setPaused(db: Db, paused: boolean, by: string): Promise<void> {
  await db.query(
    `with updated as (update cluster set paused = $1 where id = 1 and paused <> $1 returning paused)
     insert into events (type, data) select 'cluster.updated', jsonb_build_object('paused', paused, 'by', $2::text) from updated`,
    [paused, by],
  );
  // Resuming makes queued work claimable again: wake the nodes now rather than at their next poll.
  if (!paused) await db.query(`select pg_notify('flotilla_tasks', '')`);
}
