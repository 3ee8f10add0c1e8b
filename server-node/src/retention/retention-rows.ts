import type { PackageFormat } from '../packages/archive-entries.js';
import type { Db } from '../sql/db.js';

/**
 * Removes from the feed the package versions that only releases beyond the newest `keep` of their
 * project use, unless a deployment of them is queued or running. Package versions no release uses
 * (fresh uploads) are never touched.
 */
export async function deleteOldReleasePackages(
  db: Db,
  keep: number,
): Promise<{ package_id: string; version: string; format: PackageFormat }[]> {
  const result = await db.query<{ package_id: string; version: string; format: PackageFormat }>(
    `with ranked as (
       select r.id, r.packages, row_number() over (partition by r.project_id order by r.created_at desc) as n
       from releases r
     ), used as (
       select p.key as package_id, p.value as version, bool_or(r.n <= $1) as kept
       from ranked r cross join lateral jsonb_each_text(r.packages) p group by 1, 2
     ), busy as (
       select p.key as package_id, p.value as version from deployments d
       join tasks t on t.id = d.task_id and t.state in ('queued', 'executing')
       join releases r on r.id = d.release_id cross join lateral jsonb_each_text(r.packages) p
     )
     delete from packages pk using used u
     where pk.package_id = u.package_id and pk.version = u.version and not u.kept
       and not exists (select 1 from busy b where b.package_id = pk.package_id and b.version = pk.version)
     returning pk.package_id, pk.version, pk.format`,
    [keep],
  );
  return result.rows;
}

/** Of the given task ids, those finished more than `days` ago (their logs may go). */
export async function tasksFinishedBefore(db: Db, ids: string[], days: number): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `select id::text from tasks where id = any($1::bigint[]) and state in ('succeeded', 'failed', 'canceled')
       and finished_at < now() - $2 * interval '1 day'`,
    [ids, days],
  );
  return result.rows.map((row) => row.id);
}
