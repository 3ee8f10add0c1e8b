import type pg from 'pg';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.js';
import { UserError } from '../user-error.js';

// Any key works as long as every node uses the same one: only one node migrates at a time.
const MIGRATION_LOCK = 7_461_001;

export async function schemaVersion(db: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await db.query<{ exists: boolean }>(
    `select to_regclass('flotilla_migrations') is not null as exists`,
  );
  if (!exists.rows[0]?.exists) return 0;
  const result = await db.query<{ version: number | null }>(
    `select max(version) as version from flotilla_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

/** Brings the schema to this build's version under an advisory lock; refuses a schema newer than it knows. */
export async function migrate(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `create table if not exists flotilla_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const from = await schemaVersion(client);
    if (from > LATEST_SCHEMA_VERSION) {
      throw new UserError(
        `The database schema is version ${from}, newer than this node understands (${LATEST_SCHEMA_VERSION}). Upgrade this node.`,
      );
    }
    for (const migration of MIGRATIONS.filter((m) => m.version > from)) {
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into flotilla_migrations (version, name) values ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    }
    return { from, to: LATEST_SCHEMA_VERSION };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
