import type { MaintenanceDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

// The cluster's maintenance flag: three columns of the cluster row (migration 004), so it lives in the
// database and outlives any console or CLI. Every change writes a `cluster.updated` event in the same
// statement, which the console's monitor refreshes on.

export async function readMaintenance(db: Db): Promise<MaintenanceDto | null> {
  const result = await db.query<{ reason: string | null; since: Date | null; by: string | null }>(
    `select maintenance_reason as reason, maintenance_since as since, maintenance_by as by
     from cluster where id = 1`,
  );
  const row = result.rows[0];
  if (!row?.reason) return null;
  return { reason: row.reason, since: (row.since ?? new Date()).toISOString(), by: row.by ?? '' };
}

/** Turns maintenance on (or changes its reason). Returns false when it was already on with that reason. */
export async function setMaintenance(db: Db, reason: string, by: string): Promise<boolean> {
  const result = await db.query(
    `with updated as (
       update cluster set maintenance_reason = $1, maintenance_since = now(), maintenance_by = $2
       where id = 1 and maintenance_reason is distinct from $1
       returning maintenance_reason, maintenance_since)
     insert into events (type, data)
     select 'cluster.updated', jsonb_build_object(
       'maintenance', jsonb_build_object('reason', maintenance_reason, 'since', maintenance_since, 'by', $2::text),
       'by', $2::text)
     from updated`,
    [reason, by],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Lifts maintenance. Returns false when it was not on. */
export async function liftMaintenance(db: Db, by: string): Promise<boolean> {
  const result = await db.query(
    `with updated as (
       update cluster set maintenance_reason = null, maintenance_since = null, maintenance_by = null
       where id = 1 and maintenance_reason is not null
       returning id)
     insert into events (type, data)
     select 'cluster.updated', jsonb_build_object('maintenance', null, 'by', $1::text) from updated`,
    [by],
  );
  return (result.rowCount ?? 0) > 0;
}
