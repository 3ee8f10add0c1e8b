import type pg from 'pg';

/** The advisory lock around migrations: any key works as long as every node uses the same one. */
export const MIGRATION_LOCK = 7_461_001;

/**
 * Who holds the migration lock, for a node waiting on it to say: the migration a node is running
 * (with its progress), else the session holding the lock, named by its application_name.
 */
export async function migrationHolder(db: pg.PoolClient): Promise<string> {
  const running = await db
    .query<{ node: string; name: string; detail: string }>(
      `select node, name, detail from flotilla_migration_runs where state = 'running' order by version limit 1`,
    )
    .catch(() => ({ rows: [] }));
  const session = await db.query<{ application_name: string }>(
    `select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = $1 limit 1`,
    [MIGRATION_LOCK],
  );
  const who = session.rows[0]?.application_name.replace(/^flotilla-node /, '') || 'another node';
  const run = running.rows[0];
  if (run && (run.node === who || !session.rows[0]))
    return `${run.node} is migrating the schema (${run.name}${run.detail ? `: ${run.detail}` : ''})`;
  return `${who} is checking or migrating the schema`;
}
