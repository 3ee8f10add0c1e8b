import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { intOption } from '../cli/args.js';
import type { BenchPostgres } from './bench-postgres.js';
import { startBenchPostgres } from './bench-postgres.js';
import { flotillaBatch, flotillaIdlePickup, flotillaRecovery } from './flotilla-bench.js';
import { BENCH_APPLICATION, FlotillaCluster } from './flotilla-cluster.js';
import { resetStatements } from './pg-diagnostics.js';
import { Cleanup, log, round1, runBenchmark } from './util.js';

// `npm run bench:scale`: the same workload on 1, 3, 8, 16 and 32 real nodes (task cap 4, no-op
// tasks) sharing one embedded PostgreSQL. One JSON row per size on stdout as it is measured, then
// one JSON object {rows: [...]} with all of them; progress and the costliest statements on stderr.

const TASK_CAP = 4;
const IDLE_JOBS = 100;
const IDLE_GAP_MS = 20;
const RECOVERY_SLEEP_MS = 3000;
/** How long the cluster is left alone before its connections and heartbeat writes are counted. */
const REST_MS = 12_000;
/** The window over which heartbeat (and lease) writes are counted at rest. */
const WRITES_WINDOW_MS = 10_000;
/** Node processes started at once: each start (migrations check, registration) costs CPU. */
const START_PARALLEL = 4;

interface Options {
  sizes: number[];
  jobs: number;
}

const USAGE = `Usage: npm run bench:scale -- [--sizes 1,3,8,16,32] [--jobs N]

  --sizes LIST  cluster sizes to measure, comma-separated (default 1,3,8,16,32)
  --jobs N      no-op jobs in the measured batch of each size (default 4000)`;

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: { sizes: { type: 'string' }, jobs: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return null;
  const sizes = (values.sizes ?? '1,3,8,16,32').split(',').map((size) => {
    const n = Number(size.trim());
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new Error(`--sizes: '${size}' is not a size from 1 to 64`);
    return n;
  });
  return { sizes, jobs: intOption(values.jobs, 'jobs', 1, 10_000_000) ?? 4000 };
}

interface ScaleRow {
  nodes: number;
  jobsPerSec: number;
  idlePickupP50Ms: number;
  idlePickupP99Ms: number;
  dbConnections: number;
  dbConnectionsUnderLoad: number;
  heartbeatWritesPerSec: number;
  heartbeatHotShare: number;
  leaseWritesPerSec: number;
  deadAfterMs: number | null;
  movedAfterMs: number | null;
  nodeRssMb: number;
  lockWaitShare: number;
  /** Claims during the batch that got nothing / fewer tasks than free slots (SKIP LOCKED misses, mostly). */
  emptyClaims: number;
  partialClaims: number;
  claims: number;
  claimMeanMs: number;
  sweepMeanMs: number;
  loadAvg: number[];
}

async function adminQuery<R extends pg.QueryResultRow>(
  pgServer: BenchPostgres,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: pgServer.adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The cluster's connections to `database` (everything but the benchmark's own). */
function clusterConnections(pgServer: BenchPostgres, database: string): Promise<number> {
  return adminQuery<{ n: number }>(
    pgServer,
    `select count(*)::int as n from pg_stat_activity
     where datname = $1 and application_name <> $2 and pid <> pg_backend_pid()`,
    [database, BENCH_APPLICATION],
  ).then((rows) => rows[0]!.n);
}

/**
 * Samples pg_stat_activity every 50 ms until stopped: the most cluster connections seen and the
 * share of active backends that waited on a lock.
 */
function sampleLoad(pgServer: BenchPostgres, database: string) {
  let stopped = false;
  let most = 0;
  let active = 0;
  let locked = 0;
  const loop = (async () => {
    const client = new pg.Client({ connectionString: pgServer.adminUrl });
    await client.connect();
    try {
      while (!stopped) {
        const row = (
          await client.query<{ n: number; active: number; locked: number }>(
            `select count(*)::int as n, count(*) filter (where state = 'active')::int as active,
                    count(*) filter (where state = 'active' and wait_event_type = 'Lock')::int as locked
             from pg_stat_activity where datname = $1 and application_name <> $2 and pid <> pg_backend_pid()`,
            [database, BENCH_APPLICATION],
          )
        ).rows[0]!;
        most = Math.max(most, row.n);
        active += row.active;
        locked += row.locked;
        await sleep(50);
      }
    } finally {
      await client.end();
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { most, lockWaitShare: active === 0 ? 0 : Math.round((locked / active) * 1000) / 1000 };
  };
}

interface TableWrites {
  upd: number;
  hot: number;
}

async function tableWrites(cluster: FlotillaCluster, table: string): Promise<TableWrites> {
  const row = (
    await cluster.db.query<{ upd: string; hot: string }>(
      `select n_tup_upd::text as upd, n_tup_hot_upd::text as hot from pg_stat_user_tables where relname = $1`,
      [table],
    )
  ).rows[0]!;
  return { upd: Number(row.upd), hot: Number(row.hot) };
}

/** Mean execution time of the statements of `database` whose text contains `marker`. */
async function statementCost(pgServer: BenchPostgres, database: string, marker: string) {
  const row = (
    await adminQuery<{ mean_ms: number | null }>(
      pgServer,
      `select (sum(s.total_exec_time) / nullif(sum(s.calls), 0))::float8 as mean_ms
       from pg_stat_statements s join pg_database d on d.oid = s.dbid
       where d.datname = $1 and s.query like '%' || $2 || '%'`,
      [database, marker],
    )
  )[0]!;
  return { meanMs: Math.round((row.mean_ms ?? 0) * 1000) / 1000 };
}

type ClaimCounts = Record<'full' | 'partial' | 'empty', number>;

/** flotilla_task_claims_total summed over the live nodes' /metrics. */
async function clusterClaims(cluster: FlotillaCluster): Promise<ClaimCounts> {
  const counts: ClaimCounts = { full: 0, partial: 0, empty: 0 };
  for (const node of cluster.alive()) {
    const response = await fetch(`${node.url}/metrics`, {
      headers: { authorization: `Bearer ${cluster.apiKey}` },
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 200) throw new Error(`GET ${node.url}/metrics answered ${response.status}`);
    for (const match of (await response.text()).matchAll(
      /^flotilla_task_claims_total\{outcome="(full|partial|empty)"\} (\d+)$/gm,
    )) {
      counts[match[1] as keyof ClaimCounts] += Number(match[2]);
    }
  }
  return counts;
}

const loadAvg = () => loadavg().map((value) => Math.round(value * 100) / 100);

async function measureSize(pgServer: BenchPostgres, nodes: number, options: Options): Promise<ScaleRow> {
  const database = `scale_${nodes}`;
  await adminQuery(pgServer, `create database ${database}`);
  const cleanup = new Cleanup();
  try {
    const startedAt = performance.now();
    const cluster = await FlotillaCluster.start(pgServer.url(database), cleanup, {
      nodes,
      taskCap: TASK_CAP,
      parallel: START_PARALLEL,
      startTimeoutMs: 120_000,
    });
    log(
      `${nodes} node(s) up in ${Math.round(performance.now() - startedAt)} ms; load ${loadAvg().join(' ')}`,
    );
    await flotillaBatch(cluster, Math.min(500, options.jobs)); // warm-up

    // The measured batch, with the connections and lock waits sampled, and the claim's cost.
    await pgServer.settle(database);
    await resetStatements(pgServer.adminUrl);
    const claimsBefore = await clusterClaims(cluster);
    const stopSampling = sampleLoad(pgServer, database);
    const batch = await flotillaBatch(cluster, options.jobs);
    const load = await stopSampling();
    const claimsAfter = await clusterClaims(cluster);
    const claims = (outcome: keyof ClaimCounts) => claimsAfter[outcome] - claimsBefore[outcome];
    const claim = await statementCost(pgServer, database, 'for update skip locked');
    log(`${nodes} node(s): ${batch.jobsPerSec} jobs/s, spread ${batch.spread}; load ${loadAvg().join(' ')}`);

    const idle = await flotillaIdlePickup(cluster, IDLE_JOBS, IDLE_GAP_MS);

    // At rest: idle pool clients have closed; count connections and the writes heartbeats make.
    await sleep(REST_MS);
    const dbConnections = await clusterConnections(pgServer, database);
    await resetStatements(pgServer.adminUrl);
    const nodesBefore = await tableWrites(cluster, 'nodes');
    const leaseBefore = await tableWrites(cluster, 'leader_lease');
    await sleep(WRITES_WINDOW_MS);
    const nodesAfter = await tableWrites(cluster, 'nodes');
    const leaseAfter = await tableWrites(cluster, 'leader_lease');
    // The leader's sweep: node states (reportNodeStates) and tasks off dead nodes (recoverLostTasks).
    const sweepStates = await statementCost(pgServer, database, 'reported_state');
    const sweepTasks = await statementCost(pgServer, database, "'task.recovered'");
    const perSec = (before: TableWrites, after: TableWrites) =>
      round1((after.upd - before.upd) / (WRITES_WINDOW_MS / 1000));
    const heartbeatUpdates = nodesAfter.upd - nodesBefore.upd;
    const rss = (
      await cluster.db.query<{ mb: number }>(
        `select (avg(rss_bytes) / 1048576)::float8 as mb from nodes where stopped_at is null`,
      )
    ).rows[0]!.mb;

    // A single node has nowhere to move its tasks to.
    const recovery = nodes > 1 ? await flotillaRecovery(cluster, nodes * TASK_CAP, RECOVERY_SLEEP_MS) : null;
    const row: ScaleRow = {
      nodes,
      jobsPerSec: batch.jobsPerSec,
      idlePickupP50Ms: idle.idlePickupP50Ms,
      idlePickupP99Ms: idle.idlePickupP99Ms,
      dbConnections,
      dbConnectionsUnderLoad: load.most,
      heartbeatWritesPerSec: perSec(nodesBefore, nodesAfter),
      heartbeatHotShare:
        heartbeatUpdates === 0
          ? 0
          : Math.round(((nodesAfter.hot - nodesBefore.hot) / heartbeatUpdates) * 1000) / 1000,
      leaseWritesPerSec: perSec(leaseBefore, leaseAfter),
      deadAfterMs: recovery?.deadAfterMs ?? null,
      movedAfterMs: recovery?.movedAfterMs ?? null,
      nodeRssMb: round1(rss),
      lockWaitShare: load.lockWaitShare,
      emptyClaims: claims('empty'),
      partialClaims: claims('partial'),
      claims: claims('empty') + claims('partial') + claims('full'),
      claimMeanMs: claim.meanMs,
      sweepMeanMs: Math.round((sweepStates.meanMs + sweepTasks.meanMs) * 1000) / 1000,
      loadAvg: loadAvg(),
    };
    await cluster.stop();
    return row;
  } catch (error) {
    log(`size ${nodes} failed: ${(error as Error).stack ?? String(error)}`);
    throw error;
  } finally {
    await cleanup.runAll();
  }
}

runBenchmark(async (cleanup) => {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const largest = Math.max(...options.sizes);
  // Every node may hold its whole pool under load; the benchmark and the sampler need a few more.
  const maxConnections = largest * 12 + 20;
  const pgServer = await startBenchPostgres(cleanup, [], {
    pgStats: true,
    flags: ['-c', `max_connections=${maxConnections}`],
  });
  log(`PostgreSQL ${pgServer.version}, max_connections ${maxConnections}; sizes ${options.sizes.join(', ')}`);
  const rows: ScaleRow[] = [];
  for (const nodes of options.sizes) {
    const row = await measureSize(pgServer, nodes, options);
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ rows, jobs: options.jobs, taskCap: TASK_CAP, postgres: pgServer.version })}\n`,
  );
});
