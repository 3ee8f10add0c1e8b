import { run } from 'graphile-worker';
import { quietGraphileLogger } from './graphile-logger.js';
import type { FromRunner, JobStart, RunnerConfig, ToRunner } from './graphile-messages.js';

// One graphile-worker process of the benchmark (forked by graphile-bench.ts): a runner with a
// no-op task that only notes when it started. The notes stay in memory and go to the parent when
// it asks, so reporting costs the workers nothing while jobs run.

function send(message: FromRunner): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.FLOTILLA_BENCH_RUNNER ?? '') as RunnerConfig;
  let starts: JobStart[] = [];
  const runner = await run({
    connectionString: config.connectionString,
    concurrency: config.concurrency,
    maxPoolSize: config.maxPoolSize,
    logger: quietGraphileLogger,
    crontab: '',
    taskList: {
      noop: (_payload, helpers) => {
        const { id, run_at: runAt, locked_at: lockedAt } = helpers.job;
        starts.push([id, runAt.getTime(), lockedAt?.getTime() ?? Number.NaN, Date.now()]);
      },
    },
  });
  process.on('message', (message: ToRunner) => {
    if (message.type === 'collect') {
      send({ type: 'starts', starts });
      starts = [];
    } else {
      void runner.stop().finally(() => process.exit(0));
    }
  });
  // The parent is gone (crashed or killed): don't outlive it.
  process.on('disconnect', () => void runner.stop().finally(() => process.exit(0)));
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: (error as Error).message });
  process.exit(1);
});
