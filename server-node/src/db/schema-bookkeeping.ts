import type pg from 'pg';
import type { MigrationKind, SchemaNodeDto } from '../api/schema.js';
import { compareVersions, nodesOlderThan, noLongerServes } from '../api/schema.js';
import type { Db } from '../sql/db.js';
import type { Migration } from './migrations/migration.js';

// What the schema records about itself. flotilla_migrations: one row per applied migration, with its kind
// and, for a contract, the oldest node version the schema serves from then on. flotilla_migration_runs:
// migrations begun and not applied — an expand a node is running (its step and progress, so the next
// node to start resumes it after a crash) or a contract waiting for old nodes.

/** Taken exclusively by a contract while it checks the live nodes and applies; shared by a joining node. */
export const CONTRACT_GATE = 7_461_002;

export interface DbApplied {
  version: number;
  name: string;
  applied_at: Date;
  kind: MigrationKind | null;
  release: string | null;
  compatible_from: string | null;
}

export interface DbRun {
  version: number;
  name: string;
  kind: MigrationKind;
  release: string;
  compatible_from: string | null;
  state: 'running' | 'waiting';
  node: string;
  step: number;
  progress: string | null;
  detail: string;
  started_at: Date;
  updated_at: Date;
}

/** Creates or completes the bookkeeping tables (schemas from before expand/contract lack the new columns). */
export async function ensureBookkeeping(db: pg.PoolClient): Promise<void> {
  await db.query(
    `create table if not exists flotilla_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`,
  );
  const columns = await db.query<{ column_name: string }>(
    `select column_name from information_schema.columns
     where table_schema = current_schema() and table_name = 'flotilla_migrations'`,
  );
  if (!columns.rows.some((row) => row.column_name === 'kind')) {
    await db.query(
      `alter table flotilla_migrations add column if not exists kind text, add column if not exists release text,
         add column if not exists compatible_from text`,
    );
  }
  await db.query(
    `create table if not exists flotilla_migration_runs (
       version int primary key,
       name text not null,
       kind text not null,
       release text not null,
       compatible_from text,
       state text not null check (state in ('running', 'waiting')),
       node text not null,
       step int not null default 0,
       progress bigint,
       detail text not null default '',
       started_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
  );
}

async function exists(db: Db, table: string): Promise<boolean> {
  const result = await db.query<{ exists: boolean }>(`select to_regclass($1) is not null as exists`, [table]);
  return result.rows[0]?.exists ?? false;
}

/** The applied migrations, oldest first; [] on an empty database. Columns a schema lacks read as null. */
export async function readApplied(db: Db): Promise<DbApplied[]> {
  if (!(await exists(db, 'flotilla_migrations'))) return [];
  const result = await db.query<Partial<DbApplied> & { version: number; name: string; applied_at: Date }>(
    `select * from flotilla_migrations order by version`,
  );
  return result.rows.map((row) => ({
    version: row.version,
    name: row.name,
    applied_at: row.applied_at,
    kind: row.kind ?? null,
    release: row.release ?? null,
    compatible_from: row.compatible_from ?? null,
  }));
}

export async function readRuns(db: Db): Promise<DbRun[]> {
  if (!(await exists(db, 'flotilla_migration_runs'))) return [];
  const result = await db.query<DbRun>(
    `select version, name, kind, release, compatible_from, state, node, step, progress::text, detail,
            started_at, updated_at
     from flotilla_migration_runs order by version`,
  );
  return result.rows;
}

export async function recordApplied(db: Db, migration: Migration): Promise<void> {
  await db.query(
    `insert into flotilla_migrations (version, name, kind, release, compatible_from) values ($1, $2, $3, $4, $5)`,
    [migration.version, migration.name, migration.kind, migration.release, migration.compatibleFrom ?? null],
  );
}

/** The contract that set the schema's compatible-from (the highest one applied), if any. */
export function compatibleFrom(applied: readonly DbApplied[]): DbApplied | null {
  let found: DbApplied | null = null;
  for (const row of applied) {
    if (row.kind !== 'contract' || !row.compatible_from) continue;
    if (!found || compareVersions(row.compatible_from, found.compatible_from!) > 0) found = row;
  }
  return found;
}

/**
 * Why a node of `version` may not run on this schema, or null when it may: a contract removed what
 * it uses. The message says which version to install.
 */
export function contractedPastMessage(
  version: string,
  applied: readonly DbApplied[],
  othersRun: readonly string[],
): string | null {
  const contract = compatibleFrom(applied);
  if (!contract || compareVersions(version, contract.compatible_from!) >= 0) return null;
  const newest = [...othersRun].sort(compareVersions).at(-1);
  const served = noLongerServes(version, { name: contract.name, compatibleFrom: contract.compatible_from! });
  return `${served} on this host${newest ? ` (the cluster's nodes run ${newest})` : ''}.`;
}

/** Why a node of `version` named `self` may not run on this schema now, or null when it may. */
export async function schemaRefusal(db: Db, version: string, self: string): Promise<string | null> {
  const applied = await readApplied(db);
  if (!compatibleFrom(applied)) return null;
  const others = await db.query<{ version: string }>(
    `select distinct version from node_status where name <> $1 and state in ('running', 'draining')`,
    [self],
  );
  return contractedPastMessage(
    version,
    applied,
    others.rows.map((row) => row.version),
  );
}

/**
 * The live nodes older than `version`, but for `self` (whose row still shows the version it ran before
 * this start). Live: running, draining, or silent too briefly to be dead — a node that stopped
 * cleanly or is dead runs nothing, and one that comes back checks the schema before it works again.
 */
export async function liveNodesOlderThan(db: Db, version: string, self: string): Promise<SchemaNodeDto[]> {
  const result = await db.query<SchemaNodeDto>(
    `select name, version from node_status
     where name <> $1 and (state in ('running', 'draining') or (state = 'offline' and stopped_at is null))
     order by name`,
    [self],
  );
  return nodesOlderThan(result.rows, version);
}
