import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MigrationCheckDto } from '../api/index.js';
import { describeDbError, redactUrl } from '../db/pool.js';
import { fail, pass, warn } from './check.js';

// Preflight of the target PostgreSQL: reachable, version 14 or later, the role may create tables (and
// the rehearsal's scratch schema), holds no other cluster's tables, has connections for the nodes
// planned, and its clock agrees with this host's. Nothing is left behind: the create probes roll back.

const MIN_VERSION_NUM = 140000;
/** Connections beyond the nodes': the console, the built-in balancer, a CLI or two. */
const SPARE_CONNECTIONS = 5;
const MAX_SKEW_MS = 1000;

/** Table names our schema uses: a database holding these without being a Flotilla schema belongs to someone else. */
const OUR_TABLES = ['cluster', 'nodes', 'tasks', 'task_attempts', 'events', 'api_keys', 'users'];

export interface TargetFacts {
  /** The cluster id the target already holds (an earlier attempt of this migration), if any. */
  clusterId: string | null;
}

export async function checkTargetDatabase(
  url: string,
  /** `nodeConnections`: the most connections each planned node opens (their `dbPool.max` + 2). */
  options: { clusterId: string | null; nodeConnections: number[] },
): Promise<{ checks: MigrationCheckDto[]; facts: TargetFacts }> {
  const checks: MigrationCheckDto[] = [];
  const facts: TargetFacts = { clusterId: null };
  const where = redactUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    query_timeout: 10_000,
  });
  client.on('error', () => undefined);
  const started = Date.now();
  try {
    await client.connect();
  } catch (error) {
    checks.push(
      fail(
        'target.reachable',
        'Target PostgreSQL reachable',
        describeDbError(error, url),
        'Check the URL (host, port, database, user, password), that PostgreSQL listens on that address ' +
          '(listen_addresses), and that pg_hba.conf lets this host in; then run preflight again.',
      ),
    );
    return { checks, facts };
  }
  try {
    const info = (
      await client.query<{ num: string; version: string; user: string; db: string; now: Date }>(
        `select current_setting('server_version_num') as num, current_setting('server_version') as version,
                current_user as user, current_database() as db, clock_timestamp() as now`,
      )
    ).rows[0]!;
    const roundTrip = Date.now() - started;
    checks.push(pass('target.reachable', 'Target PostgreSQL reachable', `${where} as ${info.user}`));
    const skew = Math.round(Math.abs(info.now.getTime() - (started + roundTrip / 2)));
    checks.push(
      skew <= MAX_SKEW_MS
        ? pass('clock', 'Clocks agree', `this host is ${skew} ms from the target's clock`)
        : fail(
            'clock',
            'Clocks agree',
            `this host is ${skew} ms from the target's clock (at most ${MAX_SKEW_MS} ms)`,
            'Synchronise the clocks (NTP / chrony / w32time) of this host and the database server.',
          ),
    );
    checks.push(
      Number(info.num) >= MIN_VERSION_NUM
        ? pass('target.version', 'PostgreSQL 14 or later', `PostgreSQL ${info.version}`)
        : fail(
            'target.version',
            'PostgreSQL 14 or later',
            `PostgreSQL ${info.version}`,
            'Use PostgreSQL 14 or later for the cluster database.',
          ),
    );
    checks.push(...(await checkCreate(client, info.user, info.db)));
    checks.push(await checkContents(client, options.clusterId, facts));
    checks.push(await checkConnections(client, options.nodeConnections));
  } catch (error) {
    checks.push(
      fail(
        'target.query',
        'Target PostgreSQL answers',
        describeDbError(error, url),
        'Check the server log; then run preflight again.',
      ),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return { checks, facts };
}

async function checkCreate(client: pg.Client, user: string, db: string): Promise<MigrationCheckDto[]> {
  const suffix = randomBytes(4).toString('hex');
  const checks: MigrationCheckDto[] = [];
  await client.query('begin');
  try {
    await client.query('savepoint probe');
    try {
      await client.query(`create table flotilla_preflight_${suffix} (id int primary key)`);
      checks.push(pass('target.create-tables', 'Role may create tables', `${user} may create tables`));
    } catch (error) {
      await client.query('rollback to savepoint probe');
      checks.push(
        fail(
          'target.create-tables',
          'Role may create tables',
          `${user} cannot create tables: ${(error as Error).message}`,
          `Give the role its own database (CREATE DATABASE ${db} OWNER ${user}), or grant it: ` +
            `GRANT CREATE ON SCHEMA public TO ${user}.`,
        ),
      );
    }
    await client.query('savepoint schema_probe');
    try {
      await client.query(`create schema flotilla_preflight_${suffix}`);
      checks.push(pass('target.create-schema', 'Role may create a scratch schema', 'for the rehearsal copy'));
    } catch (error) {
      await client.query('rollback to savepoint schema_probe');
      checks.push(
        fail(
          'target.create-schema',
          'Role may create a scratch schema',
          `${user} cannot create schemas (the precopy rehearses the database copy in one): ${(error as Error).message}`,
          `GRANT CREATE ON DATABASE ${db} TO ${user} (or make ${user} the database's owner).`,
        ),
      );
    }
  } finally {
    await client.query('rollback');
  }
  return checks;
}

async function checkContents(
  client: pg.Client,
  clusterId: string | null,
  facts: TargetFacts,
): Promise<MigrationCheckDto> {
  const title = 'Holds no other cluster';
  const tables = (
    await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname = current_schema()`,
    )
  ).rows.map((row) => row.name);
  const ours = tables.includes('flotilla_migrations');
  if (!ours) {
    const clash = OUR_TABLES.filter((name) => tables.includes(name));
    if (clash.length > 0) {
      return fail(
        'target.empty',
        title,
        `the database already has tables named ${clash.join(', ')} that are not a Flotilla schema`,
        'Give Flotilla a database of its own (CREATE DATABASE flotilla OWNER <role>).',
      );
    }
    return tables.length === 0
      ? pass('target.empty', title, 'the database is empty')
      : warn(
          'target.empty',
          title,
          `the database holds ${tables.length} other table(s); Flotilla's sit beside them`,
        );
  }
  const cluster = tables.includes('cluster')
    ? (await client.query<{ cluster_id: string }>(`select cluster_id::text from cluster where id = 1`))
        .rows[0]
    : undefined;
  facts.clusterId = cluster?.cluster_id ?? null;
  if (!cluster)
    return pass('target.empty', title, 'a Flotilla schema without a cluster (from an earlier attempt)');
  if (cluster.cluster_id === clusterId) {
    return pass(
      'target.empty',
      title,
      `it holds a copy of this cluster (${clusterId}) from an earlier attempt; the switch replaces it`,
    );
  }
  return fail(
    'target.empty',
    title,
    `the database holds another Flotilla cluster (${cluster.cluster_id})`,
    'Use an empty database for this cluster; never point two clusters at one database.',
  );
}

async function checkConnections(client: pg.Client, nodeConnections: number[]): Promise<MigrationCheckDto> {
  const row = (
    await client.query<{ max: string; reserved: string; in_use: string; role_limit: number }>(
      `select current_setting('max_connections') as max,
         (current_setting('superuser_reserved_connections')::int
           + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0))::text as reserved,
         (select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid())::text as in_use,
         (select rolconnlimit from pg_roles where rolname = current_user) as role_limit`,
    )
  ).rows[0]!;
  const need = nodeConnections.reduce((sum, n) => sum + n, 0) + SPARE_CONNECTIONS;
  const [first, ...others] = nodeConnections;
  const each =
    new Set(nodeConnections).size === 1
      ? `${first} each`
      : `${first} for this node, ${[...new Set(others)].join(' or ')} for each of the other ${others.length}`;
  const available = Number(row.max) - Number(row.reserved) - Number(row.in_use);
  const detail =
    `${nodeConnections.length} node(s) need ${need} connections (${each} + ${SPARE_CONNECTIONS}); ` +
    `max_connections ${row.max}, ${row.reserved} reserved, ${row.in_use} in use by others: ${available} free`;
  if (row.role_limit >= 0 && row.role_limit < need) {
    return fail(
      'target.connections',
      'Connections for the nodes planned',
      `${detail}; the role may open only ${row.role_limit}`,
      `ALTER ROLE <role> CONNECTION LIMIT ${need} (or -1), or plan fewer nodes (--nodes).`,
    );
  }
  if (available < need) {
    return fail(
      'target.connections',
      'Connections for the nodes planned',
      detail,
      `Raise max_connections to at least ${Number(row.max) + need - available} in postgresql.conf and restart ` +
        `PostgreSQL, or plan fewer nodes (--nodes).`,
    );
  }
  return pass('target.connections', 'Connections for the nodes planned', detail);
}
