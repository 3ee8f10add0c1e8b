import { readFile, rm } from 'node:fs/promises';
import pg from 'pg';
import type {
  MigrationLostRowsDto,
  MigrationResultDto,
  MigrationRollbackDto,
  MigrationStep,
} from '../api/index.js';
import { MIGRATION_STEPS } from '../api/index.js';
import { updateNode } from '../sql/node-lifecycle.js';
import { UserError } from '../user-error.js';
import { writeFileAtomic } from './atomic-file.js';
import { auditStep } from './audit-step.js';
import { dropScratchSchemas } from './copy-database.js';
import { liftMaintenance, setMaintenance } from './maintenance-flag.js';
import { detectControl, findNodePid, startNode, stopNode, waitUntilServing } from './node-control.js';
import { nonceFile } from './shared-folder-checks.js';
import type { SourceFingerprint } from './source-fingerprint.js';
import { compareFingerprints, hashAllTables, sha256OfFile, storageDigest } from './source-fingerprint.js';
import { nodeDraining, openSourceDb } from './standalone.js';
import type { StepContext } from './step-context.js';
import { commandLine, stepResult } from './step-context.js';
import { flotillaSchema, normaliseSession, readCatalog } from './table-catalog.js';
import { hashTable } from './table-hashes.js';

// `migrate rollback` (any time before finalize): the node goes back to its embedded database and home
// storage exactly as they were at the freeze — which the switch never wrote to (it only read them,
// set the maintenance flag, and copied). New nodes are set draining on the new database, so every
// balancer takes them off, and listed for whoever stops them. If the cluster already worked on the
// new database, rollback first says what would be lost (rows changed since the freeze) and needs --force.

/** Tables the nodes rewrite on their own (heartbeats, events, sessions, the audit trail, the cluster row's flag and path). */
const LIVE_TABLES = new Set([
  'nodes',
  'leader_lease',
  'events',
  'sessions',
  'login_failures',
  'login_throttle',
  'audit_log',
  'flotilla_migrations',
  'cluster',
]);

export const ROLLED_BACK_REASON = 'rolled back to the standalone';

export interface RollbackOptions {
  force: boolean;
  start: boolean;
  /** Only needed to tidy the rehearsal's scratch before the switch; afterwards the config names the target. */
  targetUrl: string | null;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  await normaliseSession(client);
  return client;
}

/** What the new database holds beyond the freeze, per table of real work. */
async function lostRows(
  target: pg.Client,
  freeze: { table: string; sourceRows: number; sourceHash: string }[],
): Promise<MigrationLostRowsDto[]> {
  const schema = await flotillaSchema(target);
  if (!schema) return [];
  const catalog = await readCatalog(target, schema);
  const lost: MigrationLostRowsDto[] = [];
  for (const table of catalog.tables) {
    if (LIVE_TABLES.has(table.name)) continue;
    const then = freeze.find((entry) => entry.table === table.name);
    const now = await hashTable(target, schema, table);
    if (!then || then.sourceHash !== now.hash || then.sourceRows !== now.rows) {
      lost.push({ table: table.name, rowsAtFreeze: then?.sourceRows ?? 0, rowsNow: now.rows });
    }
  }
  return lost;
}

function lastStep(context: StepContext): MigrationStep | null {
  let last: MigrationStep | null = null;
  for (const step of MIGRATION_STEPS) if (context.journal.state(step) !== 'pending') last = step;
  return last;
}

export async function runRollback(
  context: StepContext,
  options: RollbackOptions,
): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  if (journal.finalized) {
    throw new UserError(
      `The migration is finalized: the embedded database was archived to ${journal.data.archive?.path ?? 'the home'} ` +
        `and removed. A rollback now means restoring that archive by hand (tar -xf into the home's pgdata, then ` +
        `restoring flotilla.json from the archive folder).`,
    );
  }
  const rollback: MigrationRollbackDto = {
    from: lastStep(context),
    requiresForce: false,
    lost: [],
    newNodes: [],
    restoredIdentical: null,
    differences: [],
  };
  if (journal.rolledBack && !standalone.switched) {
    return stepResult(context, 'rollback', started, {
      state: 'done',
      message: 'Already rolled back: the node runs on its embedded database and home storage.',
      rollback,
    });
  }
  await journal.begin('rollback', context.by);
  try {
    const switchStarted =
      journal.state('switch') !== 'pending' || standalone.switched || !!journal.data.maintenanceOnAt;
    if (!switchStarted) {
      // Preflight and precopy never write to the standalone: tidy what they left elsewhere.
      if (options.targetUrl) await dropScratchSchemas(options.targetUrl).catch(() => undefined);
      if (journal.targetSharedDir) await rm(nonceFile(journal.targetSharedDir), { force: true });
      journal.markRolledBack();
      await journal.finish('rollback', 'done', 'nothing on the standalone had changed');
      return stepResult(context, 'rollback', started, {
        state: 'done',
        message:
          'Rolled back before the switch: the standalone was never changed (it kept serving). The files already ' +
          'copied stay on the share; a later precopy reuses them.',
        next: commandLine('preflight', context.home),
        rollback,
      });
    }

    const freeze = journal.data.freeze;
    if (standalone.switched) {
      const target = await connect(standalone.current.dbUrl).catch(() => null);
      if (target) {
        try {
          if (freeze) rollback.lost = await lostRows(target, freeze.tables);
          const nodes = await target.query<{ name: string }>(
            `select name from nodes where name <> $1 and last_seen > $2::timestamptz order by name`,
            [standalone.source.name, freeze?.at ?? new Date(0).toISOString()],
          );
          rollback.newNodes = nodes.rows.map((row) => row.name);
          if (rollback.lost.length > 0 && !options.force) {
            rollback.requiresForce = true;
            await journal.finish(
              'rollback',
              'failed',
              'needs --force',
              'the new database holds work done since the switch',
            );
            return stepResult(context, 'rollback', started, {
              state: 'failed',
              message:
                `The cluster has worked on the new database since the switch; rolling back loses it: ` +
                rollback.lost
                  .map((l) => `${l.table} (${l.rowsAtFreeze} rows at the freeze, ${l.rowsNow} now)`)
                  .join(', ') +
                '. Run rollback again with --force to throw that away.',
              next: commandLine('rollback', context.home, ['--force']),
              rollback,
            });
          }
          // Every node on the new database drains (its ping answers 503: balancers take it off) and the
          // cluster there stays in maintenance, so nothing more is written to the copy.
          await setMaintenance(target, ROLLED_BACK_REASON, context.by);
          const all = await target.query<{ name: string }>(`select name from nodes where stopped_at is null`);
          for (const { name } of all.rows) await updateNode(target, name, { drain: true }, context.by);
        } finally {
          await target.end().catch(() => undefined);
        }
      }
      // Our node runs on the new database: stop it before it goes back to the embedded one.
      const pid = await findNodePid(context.home);
      if (pid !== null) {
        const control = journal.data.control ?? (await detectControl(context.home, pid, undefined));
        context.progress.note('stop', 'stopping the node (it runs on the new database)');
        await stopNode(context.home, control);
      }
      const backup = await readFile(standalone.backupFile);
      await writeFileAtomic(
        standalone.configFile + '.migrated',
        await readFile(standalone.configFile),
        0o600,
      );
      await writeFileAtomic(standalone.configFile, backup, 0o600);
      await rm(standalone.backupFile, { force: true });
    }

    const source = await openSourceDb(standalone.source);
    try {
      if (freeze) {
        // Compared before the flag is lifted: at the freeze it was set.
        const client = await source.pool.connect();
        let tables;
        try {
          tables = await hashAllTables(client);
        } finally {
          client.release();
        }
        const now: SourceFingerprint = {
          configSha256: await sha256OfFile(standalone.configFile),
          files: await storageDigest(journal.data.sourceSharedDir!),
          tables,
        };
        rollback.differences = compareFingerprints(freeze.fingerprint, now);
        rollback.restoredIdentical = rollback.differences.length === 0;
      }
      await liftMaintenance(source.pool, context.by);
      const before = journal.data.drainingBefore;
      const draining = await nodeDraining(source.pool, standalone.source.name);
      if (draining !== null && typeof before === 'boolean' && draining !== before) {
        await updateNode(source.pool, standalone.source.name, { drain: before }, context.by);
      }
      await auditStep(source.pool, context.by, 'rollback', {
        from: rollback.from,
        forced: options.force,
        lost: rollback.lost,
        newNodes: rollback.newNodes,
        restoredIdentical: rollback.restoredIdentical,
      });
    } finally {
      await source.close();
    }
    journal.markRolledBack();
    let started_ = false;
    if (options.start && (await findNodePid(context.home)) === null) {
      await startNode(context.home, journal.data.control ?? { kind: 'none' });
      started_ = await waitUntilServing(standalone.source, 90_000);
    }
    const summary =
      rollback.restoredIdentical === false
        ? `restored, but it differs from the freeze: ${rollback.differences.join('; ')}`
        : 'restored as at the freeze';
    await journal.finish('rollback', 'done', summary);
    return stepResult(context, 'rollback', started, {
      state: 'done',
      message:
        `Rolled back: the node uses its embedded database and home storage again (${summary}).` +
        (rollback.newNodes.length > 0
          ? ` Nodes that joined the new cluster were set draining there (off the balancer); stop them: ${rollback.newNodes.join(', ')}.`
          : '') +
        (started_ ? ' The node is serving.' : options.start ? '' : ' Start the node again.'),
      next: commandLine('preflight', context.home),
      rollback,
    });
  } catch (error) {
    await journal.finish('rollback', 'failed', null, (error as Error).message);
    throw error;
  }
}
