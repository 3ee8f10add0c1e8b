import { parseArgs } from 'node:util';
import pg from 'pg';
import { TASKS_PATH, CLUSTER_PATH } from '../api/index.js';
import { intOption } from '../cli/args.js';
import { migrate } from '../db/migrate.js';
import { migrationsFor } from '../db/migrations/index.js';
import { startBenchPostgres } from './bench-postgres.js';
import { FlotillaCluster } from './flotilla-cluster.js';
import { log, percentile, round1, runBenchmark } from './util.js';

// `npm run bench:upgrade`: the expand of release 0.2.0 (005-cancel-requested-at, with its batched
// backfill) run by migrate() exactly as a 0.2.0 node runs it when it starts, over a tasks table of
// 200,000 rows, while two 0.1.0 nodes (this build) serve API reads and run tasks. One JSON object on
// stdout; progress on stderr.
//   {rows, flaggedRows, migrateMs, reads: {before, during, after}: {count, p50Ms, p99Ms, maxMs},
//    readErrors, tasks: {queued, succeeded, other}}
// Reported, not asserted: what a backfill costs the users of a cluster that keeps serving.

const USAGE = `Usage: npm run bench:upgrade -- [--rows N]

  --rows N   task rows to backfill over (default 200000; one in 20 flagged for cancelling)`;

const DATABASE = 'flotilla_upgrade';
const READERS = 2;
const READ_GAP_MS = 20;
const TASK_EVERY_MS = 200;
const QUIET_MS = 5000;

interface Read {
  at: number;
  ms: number;
  ok: boolean;
}

runBenchmark(async (cleanup) => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { rows: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const rows = intOption(values.rows, 'rows', 1, 50_000_000) ?? 200_000;
  const postgres = await startBenchPostgres(cleanup, [DATABASE], { pgStats: false });
  const cluster = await FlotillaCluster.start(postgres.url(DATABASE), cleanup, { nodes: 2, taskCap: 5 });
  const db = cluster.db;

  log(`seeding ${rows} finished tasks the 0.1.0 way (cancel_requested on one in 20)`);
  await db.query(
    `insert into tasks (kind, args, state, node, attempts, cancel_requested, queued_at, started_at, finished_at, error)
   select 'noop', '{"sleepMs": 0}', case when i % 20 = 0 then 'canceled' when i % 17 = 0 then 'failed' else 'succeeded' end,
          'node-' || (1 + i % 2), 1, i % 20 = 0,
          now() - ($1 - i) * interval '1 second', now() - ($1 - i) * interval '1 second',
          now() - ($1 - i) * interval '1 second' + interval '200 milliseconds',
          case when i % 20 = 0 then 'canceled by admin' when i % 17 = 0 then 'exit code 1' end
   from generate_series(1, $1::int) i`,
    [rows],
  );
  await postgres.settle(DATABASE);

  const reads: Read[] = [];
  let running = true;
  const readers = Array.from({ length: READERS }, async (_, reader) => {
    for (let i = 0; running; i++) {
      const node = cluster.nodes[(reader + i) % cluster.nodes.length]!;
      const path = i % 2 === 0 ? `${TASKS_PATH}?limit=50` : CLUSTER_PATH;
      const started = performance.now();
      const ok = await fetch(`${node.url}${path}`, {
        headers: { authorization: `Bearer ${cluster.apiKey}` },
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200;
        },
        () => false,
      );
      reads.push({ at: started, ms: performance.now() - started, ok });
      await new Promise((resolve) => setTimeout(resolve, READ_GAP_MS));
    }
  });
  const taskIds: string[] = [];
  const queueing = (async () => {
    while (running) {
      const { status, body } = await cluster.api<{ id: string }>('POST', TASKS_PATH, {
        kind: 'noop',
        args: { sleepMs: 100 },
      });
      if (status === 201 || status === 200) taskIds.push(body.id);
      await new Promise((resolve) => setTimeout(resolve, TASK_EVERY_MS));
    }
  })();

  log(`reads and tasks against two 0.1.0 nodes, ${QUIET_MS} ms before the upgrade`);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const pool = new pg.Pool({ connectionString: postgres.url(DATABASE), max: 2 });
  pool.on('error', () => undefined);
  cleanup.add('close migration pool', () => pool.end());
  const begun = performance.now();
  const result = await migrate(pool, {
    migrations: migrationsFor('0.2.0'),
    version: '0.2.0',
    node: 'bench-0.2.0',
  });
  const ended = performance.now();
  log(`migrated (${result.applied.join(', ')}) in ${Math.round(ended - begun)} ms`);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  running = false;
  await Promise.all([...readers, queueing]);

  const flagged = await db.query<{ n: number; left: number }>(
    `select count(*) filter (where cancel_requested_at is not null)::int as n,
          count(*) filter (where cancel_requested and cancel_requested_at is null)::int as left
   from tasks`,
  );
  await waitForTasks(db, taskIds);
  const finalStates = await db.query<{ state: string; n: number }>(
    `select state, count(*)::int as n from tasks where id = any($1::bigint[]) group by state`,
    [taskIds],
  );
  log(`tasks queued meanwhile, where they ended: ${JSON.stringify(finalStates.rows)}`);
  const summary = (from: number, to: number) => {
    const window = reads.filter((read) => read.at >= from && read.at < to && read.ok).map((read) => read.ms);
    return {
      count: window.length,
      p50Ms: percentile(window, 50),
      p99Ms: percentile(window, 99),
      maxMs: round1(Math.max(...window)),
    };
  };
  const succeeded = finalStates.rows.find((row) => row.state === 'succeeded')?.n ?? 0;
  console.log(
    JSON.stringify({
      rows,
      flaggedRows: flagged.rows[0]!.n,
      flaggedLeftWithoutTime: flagged.rows[0]!.left,
      applied: result.applied,
      migrateMs: Math.round(ended - begun),
      reads: {
        before: summary(begun - QUIET_MS, begun),
        during: summary(begun, ended),
        after: summary(ended, ended + QUIET_MS),
      },
      readErrors: reads.filter((read) => !read.ok).length,
      tasks: { queued: taskIds.length, succeeded, other: taskIds.length - succeeded },
    }),
  );
});

/** Until none of `ids` is queued or executing (at most a minute). */
async function waitForTasks(db: pg.Pool, ids: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const open = await db.query<{ n: number }>(
      `select count(*)::int as n from tasks where id = any($1::bigint[]) and state in ('queued', 'executing')`,
      [ids],
    );
    if (open.rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
