import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeWorkerUtils, runMigrations, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { stopProcess } from '../sandbox/node-process.js';
import type { BatchResult, IdleResult } from './flotilla-bench.js';
import { summariseBatch } from './flotilla-bench.js';
import { quietGraphileLogger } from './graphile-logger.js';
import type { FromRunner, JobStart, RunnerConfig, ToRunner } from './graphile-messages.js';
import { claimPickupMs, functionPickupMs } from './graphile-messages.js';
import type { Cleanup } from './util.js';
import { log, percentile, waitFor } from './util.js';

const RUNNER_MAIN = fileURLToPath(new URL('./graphile-runner.js', import.meta.url));

interface RunnerProcess {
  name: string;
  child: ChildProcess;
  /** Every job start this process has reported, by job id. */
  starts: Map<string, JobStart>;
}

/** graphile-worker as the other contender: its schema, `processes` runner processes, and a pool for the benchmark. */
export class GraphileFleet {
  private constructor(
    readonly runners: RunnerProcess[],
    readonly db: pg.Pool,
    readonly utils: WorkerUtils,
  ) {}

  static async start(
    connectionString: string,
    cleanup: Cleanup,
    options: { processes: number; concurrency: number; maxPoolSize: number; logDir: string },
  ): Promise<GraphileFleet> {
    // Migrate once up front so the runners don't race for the schema lock on first start.
    await runMigrations({ connectionString, logger: quietGraphileLogger });
    const db = new pg.Pool({ connectionString, max: 4 });
    db.on('error', () => undefined);
    cleanup.add('close graphile benchmark pool', () => db.end());
    const utils = await makeWorkerUtils({ connectionString, logger: quietGraphileLogger });
    cleanup.add('release graphile worker utils', async () => utils.release());
    const runners: RunnerProcess[] = [];
    for (let i = 1; i <= options.processes; i++) {
      const config: RunnerConfig = {
        connectionString,
        concurrency: options.concurrency,
        maxPoolSize: options.maxPoolSize,
      };
      runners.push(
        await startRunner(
          `worker-${i}`,
          config,
          path.join(options.logDir, `graphile-worker-${i}.log`),
          cleanup,
        ),
      );
    }
    return new GraphileFleet(runners, db, utils);
  }

  /** Asks every runner for the job starts it noted since the last call. */
  async collect(): Promise<void> {
    await Promise.all(
      this.runners.map(
        (runner) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (message: FromRunner) => {
              if (message.type !== 'starts') return;
              runner.child.off('message', onMessage);
              for (const start of message.starts) runner.starts.set(start[0], start);
              resolve();
            };
            runner.child.on('message', onMessage);
            if (!runner.child.send({ type: 'collect' } satisfies ToRunner))
              reject(new Error(`${runner.name} is gone`));
          }),
      ),
    );
  }

  /** The reported start of a job, and which process ran it. */
  find(id: string): { runner: string; start: JobStart } | null {
    for (const runner of this.runners) {
      const start = runner.starts.get(id);
      if (start) return { runner: runner.name, start };
    }
    return null;
  }

  /** Asks each runner to stop gracefully; one that does not exit in time gets SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    await Promise.all(
      this.runners.map(async (runner) => {
        const { child } = runner;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send({ type: 'stop' } satisfies ToRunner);
        await Promise.race([exited, sleep(10_000)]);
        await stopProcess(child, 5000);
      }),
    );
  }
}

async function startRunner(
  name: string,
  config: RunnerConfig,
  logFile: string,
  cleanup: Cleanup,
): Promise<RunnerProcess> {
  const out = openSync(logFile, 'a');
  const child = fork(RUNNER_MAIN, [], {
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, FLOTILLA_BENCH_RUNNER: JSON.stringify(config) },
  });
  cleanup.add(`stop graphile ${name}`, () => stopProcess(child, 10_000));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`graphile ${name} exited (${code ?? signal}); see ${logFile}`)),
    );
    child.on('message', (message: FromRunner) => {
      if (message.type === 'ready') resolve();
      if (message.type === 'error') reject(new Error(`graphile ${name}: ${message.message}`));
    });
  });
  log(`graphile ${name} up (pid ${child.pid}, concurrency ${config.concurrency})`);
  return { name, child, starts: new Map() };
}

/** Job id range of one `add_jobs` call; the jobs table forgets jobs once they succeed. */
interface IdRange {
  first: bigint;
  last: bigint;
}

/**
 * Adds `jobs` no-op jobs in one `add_jobs` call (one NOTIFY) and waits until the jobs table is empty,
 * graphile-worker deleting each job as it completes. The clock runs from before the insert.
 */
export async function graphileBatch(
  fleet: GraphileFleet,
  jobs: number,
  label = 'batch',
): Promise<BatchResult> {
  const started = performance.now();
  const row = (
    await fleet.db.query<{ first: string; last: string }>(
      `select min(id)::text as first, max(id)::text as last
       from graphile_worker.add_jobs(array(
         select ('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec
         from generate_series(1, $1)))`,
      [jobs],
    )
  ).rows[0]!;
  const range: IdRange = { first: BigInt(row.first), last: BigInt(row.last) };
  await waitFor(
    `${jobs} graphile-worker jobs to finish`,
    async () =>
      !(
        await fleet.db.query<{ busy: boolean }>(
          `select exists(select 1 from graphile_worker._private_jobs where id between $1 and $2) as busy`,
          [row.first, row.last],
        )
      ).rows[0]!.busy,
    { timeoutMs: 30 * 60_000 },
  );
  const elapsedMs = performance.now() - started;
  await fleet.collect();
  const runs: { node: string; pickupMs: number; ok: boolean }[] = [];
  const functionPickups: number[] = [];
  for (let id = range.first; id <= range.last; id++) {
    const found = fleet.find(String(id));
    runs.push(
      found
        ? { node: found.runner, pickupMs: claimPickupMs(found.start), ok: true }
        : { node: '(none)', pickupMs: Number.NaN, ok: false },
    );
    if (found) functionPickups.push(functionPickupMs(found.start));
  }
  logFunctionPickup(label, functionPickups);
  return summariseBatch(runs, elapsedMs);
}

/** Single-job pickup when idle: `count` jobs through `addJob`, one at a time, `gapMs` apart. */
export async function graphileIdlePickup(
  fleet: GraphileFleet,
  count: number,
  gapMs: number,
): Promise<IdleResult> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await fleet.utils.addJob('noop', {})).id);
    await sleep(gapMs);
  }
  const starts = await waitFor(
    `${count} idle-pickup jobs to start`,
    async () => {
      await fleet.collect();
      const found = ids.map((id) => fleet.find(id));
      return found.every((entry) => entry !== null) ? found.map((entry) => entry.start) : null;
    },
    { intervalMs: 100 },
  );
  logFunctionPickup('idle', starts.map(functionPickupMs));
  const pickups = starts.map(claimPickupMs);
  return { idlePickupP50Ms: percentile(pickups, 50), idlePickupP99Ms: percentile(pickups, 99) };
}

/** For the record: the reported pickups end at the claim (as Flotilla's do); this is until the task function ran. */
function logFunctionPickup(what: string, pickups: number[]): void {
  log(
    `graphile-worker ${what} pickup until the task function ran: p50 ${percentile(pickups, 50)} ms, p99 ${percentile(pickups, 99)} ms`,
  );
}
