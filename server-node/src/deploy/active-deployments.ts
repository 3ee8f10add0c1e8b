import type { Db } from '../sql/db.js';

/**
 * How many deployments of a project, release or environment are queued or running. Deleting any
 * of those while a deployment runs would pull its rows from under it, so the routes refuse.
 */
export async function countActiveDeployments(
  db: Db,
  scope: { projectId?: string; releaseId?: string; environmentId?: string },
): Promise<number> {
  const result = await db.query<{ n: number }>(
    `select count(*)::int as n from deployments d join tasks t on t.id = d.task_id
     join releases r on r.id = d.release_id
     where t.state in ('queued', 'executing')
       and ($1::uuid is null or r.project_id = $1) and ($2::uuid is null or d.release_id = $2)
       and ($3::uuid is null or d.environment_id = $3)`,
    [scope.projectId ?? null, scope.releaseId ?? null, scope.environmentId ?? null],
  );
  return result.rows[0]?.n ?? 0;
}

export function activeDeploymentsMessage(what: string, count: number): string {
  return `${what} has ${count} deployment(s) queued or running; wait for them to finish (or cancel them) first.`;
}
