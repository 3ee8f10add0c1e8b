import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { masterKeyMatches } from '../../cluster/master-key.js';
import { platformProblem, uncAccessHint } from '../../cluster/shared-path-platform.js';
import { checkSentinel } from '../../cluster/shared-storage.js';
import type { NodeConfig } from '../../config/node-config.js';
import { readNodeConfig } from '../../config/node-config.js';
import type { SchemaStateDto } from '../../api/schema.js';
import { describeNodes } from '../../api/schema.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../db/migrations/index.js';
import { schemaRefusal } from '../../db/schema-bookkeeping.js';
import { readSchemaState } from '../../db/schema-state.js';
import { createPool, describeDbError, redactUrl } from '../../db/pool.js';
import type { DbCluster } from '../../sql/cluster-row.js';
import { readClusterRow } from '../../sql/cluster-row.js';
import { VERSION } from '../../version.js';
import { MAX_CLOCK_OFFSET_MS } from '../../diagnostics/cluster-findings.js';
import type { CommandSpec } from '../args.js';
import { parseCommandArgs, usage } from '../args.js';
import { UserError } from '../../user-error.js';
import { CLUSTER_ACCESS_OPTIONS } from './cluster-access.js';
import { clusterDoctor } from './cluster-doctor.js';

export const doctorSpec: CommandSpec = {
  name: 'doctor',
  summary:
    'Check everything this node needs: database, schema, master key, shared storage, clock. ' +
    'With --cluster: every live node, and the faults only the whole cluster shows.',
  options: {
    home: { type: 'string', help: 'the node home directory (required without --cluster)' },
    json: { type: 'boolean', help: 'print the results as JSON' },
    cluster: {
      type: 'boolean',
      help: 'check the whole cluster through its API (GET /api/cluster/diagnostics)',
    },
    url: CLUSTER_ACCESS_OPTIONS.url!,
    'api-key-file': CLUSTER_ACCESS_OPTIONS['api-key-file']!,
    'balancer-url': CLUSTER_ACCESS_OPTIONS['balancer-url']!,
  },
};

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(doctorSpec, argv);
  if (!args) return 0;
  if (args.cluster) return clusterDoctor(args);
  if (!args.home) throw new UserError(`Missing --home.\n\n${usage(doctorSpec)}`);
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  let config: NodeConfig | null = null;
  try {
    config = await readNodeConfig(args.home as string);
    add('config', true, `node '${config.name}', serves at ${config.publicUrl}`);
  } catch (error) {
    add('config', false, (error as Error).message);
  }
  const schema = config ? await checkCluster(config, add) : null;
  if (args.json) {
    console.log(JSON.stringify({ ok: checks.every((c) => c.ok), checks, schema }, null, 2));
  } else {
    for (const check of checks)
      console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(15)} ${check.detail}`);
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}

async function checkCluster(
  config: NodeConfig,
  add: (name: string, ok: boolean, detail: string) => void,
): Promise<SchemaStateDto | null> {
  if (config.embedded) {
    add(
      'database',
      true,
      `embedded PostgreSQL on port ${config.embedded.port} (it runs while the node runs)`,
    );
  }
  const pool = createPool(config.dbUrl, { max: 1, queryTimeoutMs: 5000 });
  try {
    const started = Date.now();
    let dbNow: Date;
    try {
      const result = await pool.query<{ now: Date; version: string }>(
        `select now(), current_setting('server_version') as version`,
      );
      dbNow = result.rows[0]!.now;
      add(
        'database',
        true,
        `${redactUrl(config.dbUrl)}: PostgreSQL ${result.rows[0]!.version}, ${Date.now() - started} ms`,
      );
    } catch (error) {
      add('database', false, describeDbError(error, config.dbUrl));
      return null;
    }
    const roundTrip = Date.now() - started;
    const skew = Math.abs(dbNow.getTime() - (started + roundTrip / 2));
    add(
      'clock',
      skew <= MAX_CLOCK_OFFSET_MS,
      `${skew} ms from the database clock${skew > MAX_CLOCK_OFFSET_MS ? ': sync this host (NTP)' : ''}`,
    );

    const schema = await readSchemaState(pool);
    const version = schema.version;
    await checkSchema(pool, config.name, schema, add);
    const cluster: DbCluster | null = version > 0 ? await readClusterRow(pool) : null;
    if (!cluster) {
      add('cluster', false, "no cluster in this database: run 'flotilla-node init' for the first node");
      return schema;
    }
    add('cluster', true, cluster.cluster_id);
    const keyOk = masterKeyMatches(config.masterKey, cluster.cluster_id, cluster.master_key_check);
    add(
      'master key',
      keyOk,
      keyOk ? 'matches the cluster' : "does not match the cluster's: copy it from another node",
    );
    const platform = platformProblem(cluster.shared_dir);
    const sentinel = platform ? null : await checkSentinel(cluster.shared_dir, cluster.cluster_id);
    if (platform) {
      add('shared storage', false, platform);
    } else if (sentinel) {
      // A UNC share the node cannot read: most often the service's account cannot reach it.
      const hint = uncAccessHint(cluster.shared_dir, currentAccount());
      add('shared storage', false, hint ? `${sentinel} ${hint}` : sentinel);
    } else {
      const probe = path.join(cluster.shared_dir, `.doctor-${randomUUID()}`);
      try {
        await writeFile(probe, 'ok');
        await rm(probe);
        add('shared storage', true, `${cluster.shared_dir}: sentinel found, writable`);
      } catch (error) {
        add('shared storage', false, `${cluster.shared_dir} is not writable: ${(error as Error).message}`);
      }
    }
    return schema;
  } finally {
    await pool.end();
  }
}

/** The account this process runs as, as Windows names it (DOMAIN\user) or the POSIX user name. */
function currentAccount(): string {
  const user = userInfo().username;
  return process.platform === 'win32' && process.env.USERDOMAIN ? `${process.env.USERDOMAIN}\\${user}` : user;
}

/**
 * Whether this node's version may run on the schema (it refuses only once a contract removed what it
 * uses), what it would apply when it starts, and what is under way or waits for old nodes.
 */
async function checkSchema(
  pool: pg.Pool,
  name: string,
  schema: SchemaStateDto,
  add: (name: string, ok: boolean, detail: string) => void,
) {
  const refusal = schema.version > 0 ? await schemaRefusal(pool, VERSION, name) : null;
  if (refusal) {
    add('schema', false, refusal);
  } else {
    const done = new Set(schema.applied.map((m) => m.version));
    const missing = MIGRATIONS.filter((m) => !done.has(m.version)).map((m) => `${m.name} (${m.kind})`);
    const serves = schema.compatibleFrom ? `, serves ${schema.compatibleFrom} and later` : '';
    const newer =
      schema.version > LATEST_SCHEMA_VERSION
        ? `; newer than this node's ${LATEST_SCHEMA_VERSION}, which it still serves`
        : '';
    const plan = missing.length ? `; this node applies ${missing.join(', ')} when it starts` : '';
    add('schema', true, `version ${schema.version}${serves}${newer}${plan}`);
  }
  for (const pending of schema.pending) {
    add(
      'migration',
      true,
      pending.state === 'running'
        ? `${pending.name} (${pending.kind}) under way by ${pending.node}: ${pending.detail}`
        : pending.heldBy.length > 0
          ? `contract ${pending.name} waits for ${describeNodes(pending.heldBy)}: every node must run ${pending.compatibleFrom} or later`
          : `contract ${pending.name} runs at a newer node's next try (${pending.detail})`,
    );
  }
}
