import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test-support/test-database.js';
import { migrate, type MigrateOptions } from './migrate.js';
import { ALL_MIGRATIONS, migrationsFor } from './migrations/index.js';
import type { Migration } from './migrations/migration.js';
import { readSchemaState } from './schema-state.js';

// The schema's expand/contract rules against a real PostgreSQL, one database per test: nodes of
// another version are stand-ins (rows in the nodes table, the way the cluster sees them), and each
// "release" is the migration list its build carries.

describe('expand and contract migrations', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  const open: pg.Pool[] = [];

  const newPool = () => {
    const created = new pg.Pool({ connectionString: database.url, max: 4 });
    created.on('error', () => undefined);
    open.push(created);
    return created;
  };
  /** Migrates as a node of `version` would: with the migrations its build carries. */
  const migrateAs = (version: string, node: string, options: MigrateOptions = {}, db = pool) =>
    migrate(db, { migrations: migrationsFor(version), version, node, ...options });
  const liveNode = (name: string, version: string) =>
    pool.query(`insert into nodes (name, url, version) values ($1, 'http://127.0.0.1:1', $2)`, [
      name,
      version,
    ]);
  const columns = async (table: string) =>
    (
      await pool.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_name = $1 order by column_name`,
        [table],
      )
    ).rows.map((row) => row.column_name);

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  beforeEach(async () => {
    await Promise.all(open.splice(0).map((each) => each.end()));
    const admin = newPool();
    await admin.query('drop schema public cascade');
    await admin.query('create schema public');
    pool = admin;
  });
  afterAll(async () => {
    await Promise.all(open.map((each) => each.end()));
    await database.drop();
  });

  it('runs expands beside old nodes, holds a contract until they are gone, then refuses them', async () => {
    expect(await migrateAs('0.1.0', 'old-1')).toMatchObject({ from: 0, to: 8 });
    await pool.query(
      `insert into cluster (cluster_id, shared_dir, master_key_check, settings)
       values (gen_random_uuid(), '/shared', 'check', '{"offlineAfterMs": 3000, "deadAfterMs": 5000}')`,
    );
    await liveNode('old-1', '0.1.0');
    // Tasks an old node flagged for cancelling, the old way.
    await pool.query(
      `insert into tasks (kind, state, cancel_requested, finished_at)
       select 'noop', case when i % 2 = 0 then 'canceled' else 'executing' end, i % 3 = 0,
              case when i % 2 = 0 then now() - interval '1 hour' end
       from generate_series(1, 3000) i`,
    );

    const upgrade = await migrateAs('0.3.0', 'new-1');
    expect(upgrade.applied).toEqual(['005-cancel-requested-at', '006-drop-login-failures']);
    expect(upgrade.waiting).toEqual([
      {
        name: '007-drop-cancel-requested',
        compatibleFrom: '0.2.0',
        heldBy: [{ name: 'old-1', version: '0.1.0' }],
      },
    ]);
    // The backfill: every flagged row has its time, no other row has one.
    const backfilled = await pool.query<{ flagged: number; timed: number; both: number }>(
      `select count(*) filter (where cancel_requested)::int as flagged,
              count(*) filter (where cancel_requested_at is not null)::int as timed,
              count(*) filter (where cancel_requested and cancel_requested_at is not null)::int as both
       from tasks`,
    );
    expect(backfilled.rows[0]).toEqual({ flagged: 1000, timed: 1000, both: 1000 });
    expect(await columns('login_failures')).toEqual([]);

    // Old and new nodes see each other's cancels: the trigger keeps flag and time in step.
    await pool.query(`update tasks set cancel_requested = true where id = 1`);
    await pool.query(`update tasks set cancel_requested_at = now() where id = 2`);
    await pool.query(`update tasks set cancel_requested = false where id = 3`);
    const synced = await pool.query<{ id: string; flag: boolean; at: Date | null }>(
      `select id::text, cancel_requested as flag, cancel_requested_at as at from tasks where id <= 3 order by id`,
    );
    expect(synced.rows.map((row) => [row.id, row.flag, row.at !== null])).toEqual([
      ['1', true, true],
      ['2', true, true],
      ['3', false, false],
    ]);

    // A waiting contract shows while a live node carries it.
    await liveNode('new-1', '0.3.0');
    const state = await readSchemaState(pool);
    expect(state).toMatchObject({ version: 8, compatibleFrom: '0.1.0' });
    expect(state.applied.map((m) => `${m.name} ${m.kind}`)).toEqual([
      '001-initial expand',
      '002-deployments expand',
      '003-login-throttle expand',
      '004-maintenance expand',
      '005-cancel-requested-at expand',
      '006-drop-login-failures contract',
      '008-directory expand',
    ]);
    expect(state.pending).toMatchObject([
      {
        name: '007-drop-cancel-requested',
        kind: 'contract',
        state: 'waiting',
        node: 'new-1',
        heldBy: [{ name: 'old-1', version: '0.1.0' }],
      },
    ]);

    // The old node may come back (the schema still serves 0.1.0) as long as the contract waits.
    expect(await migrateAs('0.1.0', 'old-2')).toMatchObject({ ran: true, applied: [], waiting: [] });

    // Once it stopped cleanly, the next try contracts, and 0.1.0 is refused with what to install.
    await pool.query(`update nodes set stopped_at = now() where name = 'old-1'`);
    const retried = await migrateAs('0.3.0', 'new-2', { wait: false });
    expect(retried).toMatchObject({ ran: true, applied: ['007-drop-cancel-requested'], waiting: [] });
    expect(await columns('tasks')).not.toContain('cancel_requested');
    expect(await readSchemaState(pool)).toMatchObject({ version: 8, compatibleFrom: '0.2.0', pending: [] });
    await expect(migrateAs('0.1.0', 'old-1')).rejects.toThrow(
      /The database schema no longer serves flotilla-node 0\.1\.0: contract migration 007-drop-cancel-requested removed what versions before 0\.2\.0 use\. Install flotilla-node 0\.2\.0 or later on this host \(the cluster's nodes run 0\.3\.0\)\./,
    );
    // 0.2.0 still runs: it never used the flag.
    expect(await migrateAs('0.2.0', 'mid-1')).toMatchObject({ ran: true, applied: [] });
  });

  it('applies everything on a new database (no node is alive to hold a contract)', async () => {
    const fresh = await migrateAs('0.3.0', 'first');
    expect(fresh).toMatchObject({ from: 0, to: 8, waiting: [] });
    expect(fresh.applied).toEqual(ALL_MIGRATIONS.map((m) => m.name));
  });

  it('lets one node migrate at a time: the other waits and says for whom', async () => {
    await migrateAs('0.1.0', 'old-1');
    await pool.query(
      `insert into tasks (kind, cancel_requested) select 'noop', true from generate_series(1, 20000)`,
    );
    const heard: string[] = [];
    const log = (who: string) => ({
      info: (_: object, message: string) => heard.push(`${who}: ${message}`),
      warn: (_: object, message: string) => heard.push(`${who}: ${message}`),
    });
    const slow = withBackfillBatch(migrationsFor('0.3.0'), 500);
    const [a, b] = await Promise.all([
      migrate(newPool(), { migrations: slow, version: '0.3.0', node: 'node-a', log: log('node-a') }),
      migrate(newPool(), { migrations: slow, version: '0.3.0', node: 'node-b', log: log('node-b') }),
    ]);
    // One of them did the work, the other found it done.
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 3]);
    const [migrator, waiter] = a.applied.length ? ['node-a', 'node-b'] : ['node-b', 'node-a'];
    expect(heard).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${waiter}: waiting for the schema: ${migrator} is (migrating|checking)`),
      ),
    );
    expect(
      (await pool.query(`select count(*)::int as n from tasks where cancel_requested_at is null`)).rows[0],
    ).toEqual({
      n: 0,
    });
  });

  it('resumes a backfill its node died in, from where it stopped', async () => {
    await migrateAs('0.1.0', 'old-1');
    await pool.query(
      `insert into tasks (kind, cancel_requested) select 'noop', true from generate_series(1, 20000)`,
    );
    const slow = withBackfillBatch(migrationsFor('0.2.0'), 200);
    const doomed = newPool();
    const running = migrate(doomed, { migrations: slow, version: '0.2.0', node: 'crashing' });
    // Its connection dies mid-backfill, as it would with the node killed.
    await expect
      .poll(
        async () =>
          (
            await pool.query<{ progress: string | null }>(
              `select progress::text from flotilla_migration_runs`,
            )
          ).rows[0]?.progress,
        {
          timeout: 20_000,
          interval: 20,
        },
      )
      .toBeTruthy();
    await pool.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'flotilla-node crashing'`,
    );
    await expect(running).rejects.toThrow();
    const left = await readSchemaState(pool);
    expect(left.pending).toMatchObject([
      { name: '005-cancel-requested-at', state: 'running', node: 'crashing' },
    ]);
    expect(left.pending[0]!.detail).toMatch(/^backfill tasks: ids up to \d+ of 20000, \d+ rows set$/);

    const heard: string[] = [];
    const resumed = await migrate(pool, {
      migrations: slow,
      version: '0.2.0',
      node: 'next',
      log: { info: () => undefined, warn: (_: object, message: string) => heard.push(message) },
    });
    expect(resumed.applied).toEqual(['005-cancel-requested-at', '006-drop-login-failures']);
    expect(heard[0]).toMatch(
      /^resuming 005-cancel-requested-at, left half-done by crashing \(backfill tasks: ids up to/,
    );
    expect(
      (await pool.query(`select count(*)::int as n from tasks where cancel_requested_at is null`)).rows[0],
    ).toEqual({
      n: 0,
    });
    expect((await readSchemaState(pool)).pending).toEqual([]);
  });

  it('builds an index concurrently, and builds again one a failure left invalid', async () => {
    await migrateAs('0.1.0', 'old-1');
    await pool.query(`create table probe (id bigserial primary key, v int)`);
    await pool.query(`insert into probe (v) values (1), (1), (2)`);
    const indexed: Migration = {
      version: 9,
      name: '009-probe-index',
      kind: 'expand',
      release: '0.1.0',
      sql: 'select 1',
      after: [
        {
          kind: 'index',
          name: 'probe_v',
          create: 'create unique index concurrently if not exists probe_v on probe (v)',
        },
      ],
    };
    const list = [...migrationsFor('0.1.0'), indexed];
    await expect(migrate(pool, { migrations: list, version: '0.1.0', node: 'n' })).rejects.toThrow(
      /could not create unique index/,
    );
    const valid = () =>
      pool
        .query<{ valid: boolean }>(
          `select indisvalid as valid from pg_index where indexrelid = 'probe_v'::regclass`,
        )
        .then((result) => result.rows[0]?.valid);
    expect(await valid()).toBe(false);
    await pool.query(`delete from probe where id = 2`);
    expect((await migrate(pool, { migrations: list, version: '0.1.0', node: 'n' })).applied).toEqual([
      '009-probe-index',
    ]);
    expect(await valid()).toBe(true);
  });
});

/** The same migrations with smaller backfill batches, so a test can watch one under way. */
function withBackfillBatch(migrations: readonly Migration[], batch: number): Migration[] {
  return migrations.map((migration) => ({
    ...migration,
    ...(migration.after
      ? { after: migration.after.map((step) => (step.kind === 'backfill' ? { ...step, batch } : step)) }
      : {}),
  }));
}
