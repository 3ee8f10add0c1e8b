import type { AppliedMigrationDto, PendingMigrationDto, SchemaStateDto } from '../api/schema.js';
import { compareVersions, nodesOlderThan } from '../api/schema.js';
import type { Db } from '../sql/db.js';
import { ALL_MIGRATIONS } from './migrations/index.js';
import { compatibleFrom, readApplied, readRuns } from './schema-bookkeeping.js';

/**
 * The schema as GET /api/cluster and doctor report it: the version, the oldest node version it
 * serves, what was applied, and what is under way or waiting — with the live nodes that hold a
 * waiting contract back. A waiting contract no live node carries any more (its node was downgraded
 * or removed) is left out: nobody would run it.
 */
export async function readSchemaState(db: Db): Promise<SchemaStateDto> {
  const applied = await readApplied(db);
  const runs = await readRuns(db);
  const alive = runs.length
    ? (
        await db.query<{ name: string; version: string }>(
          `select name, version from node_status
           where state in ('running', 'draining') or (state = 'offline' and stopped_at is null) order by name`,
        )
      ).rows
    : [];
  const pending: PendingMigrationDto[] = [];
  for (const run of runs) {
    const carried = alive.some((node) => compareVersions(node.version, run.release) >= 0);
    if (run.state === 'waiting' && !carried) continue;
    const heldBy =
      run.state === 'waiting' && run.compatible_from ? nodesOlderThan(alive, run.compatible_from) : [];
    pending.push({
      version: run.version,
      name: run.name,
      kind: run.kind,
      release: run.release,
      compatibleFrom: run.compatible_from,
      state: run.state,
      node: run.node,
      since: run.started_at.toISOString(),
      detail: run.detail,
      heldBy: heldBy.map(({ name, version }) => ({ name, version })),
    });
  }
  return {
    version: applied.reduce((max, row) => Math.max(max, row.version), 0),
    compatibleFrom: compatibleFrom(applied)?.compatible_from ?? null,
    applied: applied.map((row): AppliedMigrationDto => {
      // Rows written before migrations recorded their kind: this build knows them.
      const known = ALL_MIGRATIONS.find((migration) => migration.version === row.version);
      return {
        version: row.version,
        name: row.name,
        kind: row.kind ?? known?.kind ?? 'expand',
        release: row.release ?? known?.release ?? '',
        compatibleFrom: row.compatible_from ?? known?.compatibleFrom ?? null,
        appliedAt: row.applied_at.toISOString(),
      };
    }),
    pending,
  };
}
