import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { CreateTaskResultDto } from '../api/index.js';
import { DbProxy } from '../chaos/db-proxy.js';
import { findFreePort } from '../net/free-port.js';
import { queueTasksCte } from '../sql/queue-tasks.js';
import { FlotillaCluster } from './flotilla-cluster.js';
import { log, round1, runBenchmark, waitFor } from './util.js';

// `npm run bench:standby`: a primary PostgreSQL with a synchronous streaming standby (Debian's
// PostgreSQL binaries), two nodes reaching the database through a TCP proxy that stands for a
// virtual IP. Mid-run the primary dies (immediate stop), the standby is promoted and the proxy
// switches to it. One JSON object: how long until the nodes answer their pings again, accept a task
// and finish one, and that every task queued before the failover ran to the end.

const PG_BIN = process.env.FLOTILLA_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const TASKS = 40;
const TASK_SLEEP_MS = 1000;
const run = promisify(execFile);

/** PostgreSQL refuses to run as root: as root, its tools run as `postgres`. */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const asRoot = userInfo().uid === 0;
  const [command, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, tool), ...args]]
    : [path.join(PG_BIN, tool), args];
  const { stdout } = await run(command, argv, { timeout: 60_000 });
  return stdout;
}

async function startServer(dataDir: string, port: number, socketDir: string, extra: string[] = []) {
  const options = [
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir}`,
    ...extra,
  ];
  await pgTool('pg_ctl', ['-D', dataDir, '-o', options.join(' '), '-l', `${dataDir}.log`, '-w', 'start']);
}

runBenchmark(async (cleanup) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-standby-'));
  cleanup.add('remove the servers', () => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
  }
  const primary = path.join(dir, 'primary');
  const standby = path.join(dir, 'standby');
  const [primaryPort, standbyPort] = [await findFreePort(0), await findFreePort(0)];
  await pgTool('initdb', ['-D', primary, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await startServer(primary, primaryPort, dir, ['-c', 'wal_level=replica']);
  cleanup.add('stop the primary', () =>
    pgTool('pg_ctl', ['-D', primary, '-m', 'immediate', 'stop']).catch(() => ''),
  );
  const admin = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;
  const setup = new pg.Client({ connectionString: admin(primaryPort) });
  await setup.connect();
  await setup.query('create database flotilla');
  await setup.end();
  await pgTool('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    standby,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  await startServer(standby, standbyPort, dir);
  cleanup.add('stop the standby', () =>
    pgTool('pg_ctl', ['-D', standby, '-m', 'fast', 'stop']).catch(() => ''),
  );
  // Synchronous from now on: a commit returns only once the standby has it, so the failover loses no
  // acknowledged write. (Set before the standby is there, it would hold every commit.)
  const primaryAdmin = new pg.Client({ connectionString: admin(primaryPort) });
  await primaryAdmin.connect();
  await primaryAdmin.query(`alter system set synchronous_standby_names = '*'`);
  await primaryAdmin.query('select pg_reload_conf()');
  await waitFor('the standby to replicate synchronously', async () => {
    const rows = await primaryAdmin.query<{ sync_state: string }>(
      'select sync_state from pg_stat_replication',
    );
    return rows.rows[0]?.sync_state === 'sync';
  });
  await primaryAdmin.end();
  log(
    `primary on ${primaryPort}, synchronous standby on ${standbyPort}; load ${loadavg().map(round1).join(' ')}`,
  );

  const proxy = new DbProxy('127.0.0.1', primaryPort);
  await proxy.start();
  cleanup.add('stop the proxy', () => proxy.stop());
  const dbUrl = proxy.wrap(`postgres://postgres@127.0.0.1:${primaryPort}/flotilla`);
  const cluster = await FlotillaCluster.start(dbUrl, cleanup, { nodes: 2, taskCap: 4 });

  const ids = (
    await cluster.db.query<{ id: string }>(
      `with ${queueTasksCte(`select 'noop', jsonb_build_object('sleepMs', $2::int), null from generate_series(1, $1)`)}
       select id::text from task`,
      [TASKS, TASK_SLEEP_MS],
    )
  ).rows.map((row) => row.id);
  await waitFor('tasks running on both nodes', async () => {
    const rows = await cluster.db.query<{ n: string }>(
      `select count(distinct node)::text as n from tasks where state = 'executing'`,
    );
    return Number(rows.rows[0]!.n) === 2;
  });

  const finishedBefore = Number(
    (
      await cluster.db.query<{ n: string }>(
        `select count(*)::text as n from tasks where state = 'succeeded' and id = any($1::bigint[])`,
        [ids],
      )
    ).rows[0]!.n,
  );
  const failedAt = performance.now();
  await pgTool('pg_ctl', ['-D', primary, '-m', 'immediate', 'stop']);
  await pgTool('pg_ctl', ['-D', standby, '-w', 'promote']);
  proxy.switchTo(standbyPort);
  const switchedMs = performance.now() - failedAt;
  log(`primary stopped, standby promoted, proxy switched in ${Math.round(switchedMs)} ms`);

  const servingAfterMs = await waitFor(
    'both nodes to serve again',
    async () => {
      const pings = await Promise.all(
        cluster.nodes.map((node) =>
          fetch(`${node.url}/api/nodes/ping`, { signal: AbortSignal.timeout(1000) })
            .then((response) => response.status)
            .catch(() => 0),
        ),
      );
      return pings.every((status) => status === 200) ? performance.now() - failedAt : null;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  const acceptedAfterMs = await waitFor(
    'a new task to be accepted',
    async () => {
      const response = await cluster
        .api<CreateTaskResultDto>('POST', '/api/tasks', { kind: 'noop', args: { sleepMs: 0 } })
        .catch(() => null);
      return response?.status === 201 ? performance.now() - failedAt : null;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  // Work going on again: a task finishing after the switch (the queue holds TASKS one-second tasks).
  const finishedAfterMs = await waitFor(
    'a task to finish on the promoted standby',
    async () => {
      const row = await cluster.db
        .query<{ n: string }>(
          `select count(*)::text as n from tasks where state = 'succeeded' and id = any($1::bigint[])`,
          [ids],
        )
        .catch(() => null);
      return row && Number(row.rows[0]!.n) > finishedBefore ? performance.now() - failedAt : null;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  const outcome = await waitFor(
    'the tasks queued before the failover to finish',
    async () => {
      const row = (
        await cluster.db.query<{ succeeded: string; other: string; retried: string }>(
          `select count(*) filter (where state = 'succeeded')::text as succeeded,
                  count(*) filter (where state in ('failed', 'canceled'))::text as other,
                  count(*) filter (where attempts > 1)::text as retried
           from tasks where id = any($1::bigint[])`,
          [ids],
        )
      ).rows[0]!;
      return Number(row.succeeded) + Number(row.other) === ids.length ? row : null;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  const result = {
    switchedMs: round1(switchedMs),
    servingAfterMs: round1(servingAfterMs),
    acceptedAfterMs: round1(acceptedAfterMs),
    taskFinishedAfterMs: round1(finishedAfterMs),
    tasks: ids.length,
    succeeded: Number(outcome.succeeded),
    failedOrCanceled: Number(outcome.other),
    ranAgain: Number(outcome.retried),
    loadAvg: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await cluster.stop();
  if (result.succeeded !== ids.length)
    throw new Error(`${result.succeeded} of ${ids.length} tasks succeeded`);
});
