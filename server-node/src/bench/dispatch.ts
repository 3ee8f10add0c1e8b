import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { intOption } from '../cli/args.js';
import { tail } from '../sandbox/node-process.js';
import type { BenchPostgres } from './bench-postgres.js';
import { startBenchPostgres } from './bench-postgres.js';
import { CpuMeter, withChildren } from './cpu-meter.js';
import type { BatchResult, IdleResult, RecoveryResult } from './flotilla-bench.js';
import { flotillaBatch, flotillaIdlePickup, flotillaRecovery } from './flotilla-bench.js';
import { FlotillaCluster } from './flotilla-cluster.js';
import { GraphileFleet, graphileBatch, graphileIdlePickup } from './graphile-bench.js';
import { resetStatements, sampleActivity, topStatements } from './pg-diagnostics.js';
import { type Cleanup, log, runBenchmark } from './util.js';

// `npm run bench:dispatch`: Flotilla's task queue on 3 real nodes against graphile-worker with the
// same total concurrency, on one PostgreSQL, then a node crash. One JSON object on stdout; progress,
// CPU split and (with --pg-stats) the costliest statements on stderr.

const NODES = 3;
const TASK_CAP = 10;
const CONCURRENCY = NODES * TASK_CAP;
const IDLE_JOBS = 200;
const IDLE_GAP_MS = 20;
const RECOVERY_TASKS = 60;
const RECOVERY_SLEEP_MS = 3000;
/** Jobs run before measuring, so neither side is timed while its JIT and connections warm up. */
const WARMUP_JOBS = 500;
const FLOTILLA_DB = 'flotilla_bench';
const GRAPHILE_DB = 'graphile_bench';

interface Options {
  jobs: number;
  pgStats: boolean;
}

const USAGE = `Usage: npm run bench:dispatch -- [--jobs N] [--pg-stats]

  --jobs N      no-op jobs per batch (default 10000)
  --pg-stats    load pg_stat_statements; print each batch's costliest statements and what the
                backends waited on (pg_stat_activity samples) to stderr`;

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: { jobs: { type: 'string' }, 'pg-stats': { type: 'boolean' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return null;
  return {
    jobs: intOption(values.jobs, 'jobs', 1, 10_000_000) ?? 10_000,
    pgStats: values['pg-stats'] ?? false,
  };
}

/**
 * Runs one measured batch on settled tables, with the CPU split around it and, with --pg-stats,
 * what the database did (costliest statements, what the backends waited on).
 */
async function measured<T>(
  what: string,
  pg: BenchPostgres,
  database: string,
  pids: () => number[],
  run: () => Promise<T>,
) {
  await pg.settle(database);
  if (pg.pgStats) await resetStatements(pg.adminUrl);
  const stopSampling = pg.pgStats ? sampleActivity(pg.adminUrl, database) : null;
  const meter = new CpuMeter({
    [what]: pids,
    postgres: () => withChildren(pg.postmasterPid()),
    bench: () => [process.pid],
  });
  meter.start();
  const result = await run();
  log(`${what} batch CPU: ${meter.stop()}`);
  if (stopSampling) {
    log(`${what} backends (pg_stat_activity samples):\n${await stopSampling()}`);
    log(`${what} costliest statements:\n${await topStatements(pg.adminUrl, database)}`);
  }
  return result;
}

async function benchFlotilla(pg: BenchPostgres, cleanup: Cleanup, options: Options, logFiles: string[]) {
  const cluster = await FlotillaCluster.start(pg.url(FLOTILLA_DB), cleanup, {
    nodes: NODES,
    taskCap: TASK_CAP,
  });
  logFiles.push(...cluster.nodes.map((node) => node.logFile));
  await flotillaBatch(cluster, Math.min(WARMUP_JOBS, options.jobs));
  const pids = () => cluster.alive().map((node) => node.child.pid ?? 0);
  const batch = await measured('flotilla', pg, FLOTILLA_DB, pids, () => flotillaBatch(cluster, options.jobs));
  log(`flotilla batch: ${JSON.stringify(batch)}`);
  const idle = await flotillaIdlePickup(cluster, IDLE_JOBS, IDLE_GAP_MS);
  log(`flotilla idle pickup: ${JSON.stringify(idle)}`);
  const recovery = await flotillaRecovery(cluster, RECOVERY_TASKS, RECOVERY_SLEEP_MS);
  log(`flotilla recovery: ${JSON.stringify(recovery)}`);
  // Free the cores before graphile-worker's turn.
  await cluster.stop();
  return { batch, idle, recovery };
}

async function benchGraphile(pg: BenchPostgres, cleanup: Cleanup, options: Options, logFiles: string[]) {
  const logDir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-graphile-'));
  cleanup.add('remove graphile log dir', () => rm(logDir, { recursive: true, force: true }));
  const fleet = await GraphileFleet.start(pg.url(GRAPHILE_DB), cleanup, {
    processes: NODES,
    concurrency: TASK_CAP,
    maxPoolSize: 12, // a Flotilla node holds 12: main pool 10, heartbeat 1, LISTEN 1
    logDir,
  });
  logFiles.push(...fleet.runners.map((_runner, i) => path.join(logDir, `graphile-worker-${i + 1}.log`)));
  await graphileBatch(fleet, Math.min(WARMUP_JOBS, options.jobs), 'warm-up batch');
  const pids = () => fleet.runners.map((runner) => runner.child.pid ?? 0);
  const batch = await measured('graphile', pg, GRAPHILE_DB, pids, () => graphileBatch(fleet, options.jobs));
  log(`graphile-worker batch: ${JSON.stringify(batch)}`);
  const idle = await graphileIdlePickup(fleet, IDLE_JOBS, IDLE_GAP_MS);
  log(`graphile-worker idle pickup: ${JSON.stringify(idle)}`);
  await fleet.stop();
  return { batch, idle };
}

function report(
  options: Options,
  postgres: string,
  flotilla: { batch: BatchResult; idle: IdleResult; recovery: RecoveryResult },
  graphile: { batch: BatchResult; idle: IdleResult },
) {
  const { jobsPerSec, pickupP50Ms, pickupP99Ms, perNode, spread } = flotilla.batch;
  const graphileBatch = graphile.batch;
  return {
    flotilla: { jobsPerSec, pickupP50Ms, pickupP99Ms, ...flotilla.idle, perNode, spread },
    graphileWorker: {
      jobsPerSec: graphileBatch.jobsPerSec,
      pickupP50Ms: graphileBatch.pickupP50Ms,
      pickupP99Ms: graphileBatch.pickupP99Ms,
      ...graphile.idle,
    },
    ratio: Math.round((jobsPerSec / graphileBatch.jobsPerSec) * 1000) / 1000,
    recovery: flotilla.recovery,
    jobs: options.jobs,
    concurrency: CONCURRENCY,
    postgres,
  };
}

const logFiles: string[] = [];
runBenchmark(
  async (cleanup) => {
    const options = parseOptions(process.argv.slice(2));
    if (!options) {
      process.stderr.write(`${USAGE}\n`);
      return;
    }
    const pg = await startBenchPostgres(cleanup, [FLOTILLA_DB, GRAPHILE_DB], { pgStats: options.pgStats });
    log(
      `PostgreSQL ${pg.version}; ${options.jobs} jobs per batch, ${NODES} × ${TASK_CAP} = ${CONCURRENCY} concurrency`,
    );
    const flotilla = await benchFlotilla(pg, cleanup, options, logFiles);
    const graphile = await benchGraphile(pg, cleanup, options, logFiles);
    process.stdout.write(`${JSON.stringify(report(options, pg.version, flotilla, graphile))}\n`);
  },
  () => {
    for (const file of logFiles) log(`--- ${file}\n${tail(file, 20)}`);
  },
);
