import type pg from 'pg';
import type { SchemaNodeDto } from '../api/schema.js';
import { describeNodes } from '../api/schema.js';
import { UserError } from '../user-error.js';
import { VERSION } from '../version.js';
import { runBackfill, runConcurrentIndex } from './migration-steps.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Migration } from './migrations/migration.js';
import { migrationHolder, MIGRATION_LOCK } from './migration-lock.js';
import {
  CONTRACT_GATE,
  ensureBookkeeping,
  liveNodesOlderThan,
  readApplied,
  readRuns,
  recordApplied,
  schemaRefusal,
  type DbRun,
} from './schema-bookkeeping.js';

// Expand and contract (DESIGN.md "Upgrades"). A node that starts applies its build's migrations under
// one advisory lock, so one node migrates at a time and the others wait and say for whom. An expand
// runs at once: nodes of the previous release keep working beside it. A contract runs only when no
// live node is older than its compatibleFrom; otherwise it waits, recorded so doctor and the console
// can name the nodes that hold it, and the newer nodes retry it until it can run. A node refuses to
// start only when a contract has removed what its version uses.

export interface MigrateOptions {
  /** Who migrates: named in the schema state and by nodes waiting for it. */
  node?: string;
  log?: { info(object: object, message: string): void; warn(object: object, message: string): void };
  /** Give up at once instead of waiting while another node migrates (the periodic contract retry). */
  wait?: boolean;
  /** This build's migrations and version (tests pass others). */
  migrations?: readonly Migration[];
  version?: string;
}

export interface WaitingContract {
  name: string;
  compatibleFrom: string;
  heldBy: SchemaNodeDto[];
}

export interface MigrateResult {
  /** False when `wait` was false and another node held the lock: nothing was done. */
  ran: boolean;
  from: number;
  to: number;
  applied: string[];
  waiting: WaitingContract[];
}

/** Schema writes wait this long for a table lock, then give the table back and retry: never a long queue behind them. */
const LOCK_TIMEOUT = '2s';
const LOCK_RETRIES = 20;

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

/**
 * Brings the schema up to this build: every expand, and every contract no old node holds back.
 * Refuses (UserError) when a contract already removed what this version uses.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const node = options.node ?? `a flotilla-node ${VERSION} command`;
  const version = options.version ?? VERSION;
  const migrations = options.migrations ?? MIGRATIONS;
  const log = options.log;
  const client = await pool.connect();
  // A connection that dies under us (its node's database went away) must fail this call, not the process.
  let broken = false;
  const onError = () => (broken = true);
  client.on('error', onError);
  let locked = false;
  try {
    await client.query(`select set_config('application_name', $1, false)`, [`flotilla-node ${node}`]);
    locked = await lock(client, options.wait ?? true, (holder) =>
      log?.info({ holder }, `waiting for the schema: ${holder}`),
    );
    if (!locked) return { ran: false, from: 0, to: 0, applied: [], waiting: [] };

    await ensureBookkeeping(client);
    const problem = await schemaRefusal(client, version, node);
    if (problem) throw new UserError(problem);
    const applied = await readApplied(client);
    const from = applied.reduce((max, row) => Math.max(max, row.version), 0);
    const done = new Set(applied.map((row) => row.version));
    const runs = new Map((await readRuns(client)).map((run) => [run.version, run]));
    const result: MigrateResult = { ran: true, from, to: from, applied: [], waiting: [] };

    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      if (migration.kind === 'expand') {
        await runExpand(client, migration, runs.get(migration.version) ?? null, node, log);
      } else {
        // Contracts keep their order: one waiting holds back the ones after it (expands may pass).
        const earlier = result.waiting.length > 0;
        const heldBy = earlier
          ? await liveNodesOlderThan(client, migration.compatibleFrom!, node)
          : await tryContract(client, migration, node, runs.get(migration.version) ?? null);
        if (earlier || heldBy.length > 0) {
          await recordWaiting(client, migration, node, heldBy, earlier);
          result.waiting.push({ name: migration.name, compatibleFrom: migration.compatibleFrom!, heldBy });
          log?.warn(
            { migration: migration.name, heldBy },
            heldBy.length > 0
              ? `contract ${migration.name} waits for ${describeNodes(heldBy)}: every node must run ${migration.compatibleFrom} or later`
              : `contract ${migration.name} waits for the contract before it`,
          );
          continue;
        }
      }
      done.add(migration.version);
      result.applied.push(migration.name);
      result.to = Math.max(result.to, migration.version);
      log?.info(
        { migration: migration.name, kind: migration.kind },
        `applied ${migration.kind} ${migration.name}`,
      );
    }
    return result;
  } finally {
    if (locked) await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.query('reset application_name').catch(() => undefined);
    client.off('error', onError);
    client.release(broken);
  }
}

/** Takes the migration lock; while another node holds it, reports who (when it changes) and waits. */
async function lock(
  client: pg.PoolClient,
  wait: boolean,
  onWait: (holder: string) => void,
): Promise<boolean> {
  let reported = '';
  for (;;) {
    const got = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      MIGRATION_LOCK,
    ]);
    if (got.rows[0]?.locked) return true;
    if (!wait) return false;
    const holder = await migrationHolder(client);
    if (holder !== reported) onWait(holder);
    reported = holder;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function runExpand(
  client: pg.PoolClient,
  migration: Migration,
  run: DbRun | null,
  node: string,
  log: MigrateOptions['log'],
): Promise<void> {
  const steps = migration.after ?? [];
  let step = run?.state === 'running' ? run.step : 0;
  if (step > 0) {
    log?.warn(
      { migration: migration.name, by: run!.node, step },
      `resuming ${migration.name}, left half-done by ${run!.node} (${run!.detail || `step ${step}`})`,
    );
  } else {
    // Recorded first, so a node waiting for the lock can say what this one does.
    await upsertRun(client, migration, node, 'running', 0, 'its changes, in one transaction');
    await inTransaction(client, async () => {
      await client.query(migration.sql);
      if (steps.length > 0) {
        await client.query(`update flotilla_migration_runs set step = 1 where version = $1`, [
          migration.version,
        ]);
      } else {
        await recordApplied(client, migration);
        await client.query(`delete from flotilla_migration_runs where version = $1`, [migration.version]);
      }
    });
    if (steps.length === 0) return;
    step = 1;
  }
  for (; step <= steps.length; step++) {
    const current = steps[step - 1]!;
    const resumeFrom = run?.state === 'running' && run.step === step ? run.progress : null;
    await client.query(
      `update flotilla_migration_runs set node = $2, step = $3, progress = $4, updated_at = now() where version = $1`,
      [migration.version, node, step, resumeFrom],
    );
    if (current.kind === 'backfill') await runBackfill(client, migration, current, resumeFrom);
    else await runConcurrentIndex(client, current);
    await client.query(
      `update flotilla_migration_runs set step = $2, progress = null, updated_at = now() where version = $1`,
      [migration.version, step + 1],
    );
  }
  await inTransaction(client, async () => {
    await recordApplied(client, migration);
    await client.query(`delete from flotilla_migration_runs where version = $1`, [migration.version]);
  });
}

/**
 * Applies a contract unless a live node older than its compatibleFrom holds it back (returned). The
 * check and the change share one transaction under the contract gate, which a joining node takes
 * too: a node either joins before (and holds the contract back) or sees the contracted schema.
 */
async function tryContract(
  client: pg.PoolClient,
  migration: Migration,
  node: string,
  run: DbRun | null,
): Promise<SchemaNodeDto[]> {
  // A contract already waiting stays so until it runs: the console shows no flicker at each retry.
  if (run?.state !== 'waiting')
    await upsertRun(client, migration, node, 'running', 0, 'checks the live nodes, then applies');
  let heldBy: SchemaNodeDto[] = [];
  await inTransaction(client, async () => {
    await client.query('select pg_advisory_xact_lock($1)', [CONTRACT_GATE]);
    heldBy = await liveNodesOlderThan(client, migration.compatibleFrom!, node);
    if (heldBy.length > 0) return false;
    await client.query(migration.sql);
    await recordApplied(client, migration);
    await client.query(`delete from flotilla_migration_runs where version = $1`, [migration.version]);
    return true;
  });
  return heldBy;
}

async function recordWaiting(
  client: pg.PoolClient,
  migration: Migration,
  node: string,
  heldBy: SchemaNodeDto[],
  behindAnother: boolean,
): Promise<void> {
  const detail = behindAnother
    ? 'waits for the contract before it'
    : `waits for ${describeNodes(heldBy)}: every node must run ${migration.compatibleFrom} or later`;
  await upsertRun(client, migration, node, 'waiting', 0, detail);
}

async function upsertRun(
  client: pg.PoolClient,
  migration: Migration,
  node: string,
  state: DbRun['state'],
  step: number,
  detail: string,
): Promise<void> {
  await client.query(
    `insert into flotilla_migration_runs (version, name, kind, release, compatible_from, state, node, step, detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (version) do update set state = excluded.state, node = excluded.node, step = excluded.step,
       detail = excluded.detail, updated_at = now()`,
    [
      migration.version,
      migration.name,
      migration.kind,
      migration.release,
      migration.compatibleFrom ?? null,
      state,
      node,
      step,
      detail,
    ],
  );
}

/**
 * Runs `work` in a transaction whose table locks wait at most LOCK_TIMEOUT: a schema change queued
 * behind a long query would stall every query queued behind it. On a lock timeout it rolls back,
 * lets the others through and tries again. `work` returning false rolls back without an error.
 */
async function inTransaction(client: pg.PoolClient, work: () => Promise<boolean | void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query('begin');
    try {
      await client.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      const keep = await work();
      await client.query(keep === false ? 'rollback' : 'commit');
      return;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      const code = (error as { code?: string }).code;
      // 55P03 lock_not_available (lock_timeout), 40P01 deadlock_detected: both leave nothing behind.
      if ((code !== '55P03' && code !== '40P01') || attempt >= LOCK_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
