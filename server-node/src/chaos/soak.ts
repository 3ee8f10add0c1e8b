import { readdir, readFile } from 'node:fs/promises';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { intOption } from '../cli/args.js';
import { Cleanup } from '../bench/util.js';
import { ChaosCluster } from './chaos-cluster.js';
import { say } from './chaos-log.js';
import { ChaosPostgres } from './chaos-postgres.js';
import { SteadyLoad } from './steady-load.js';
import { settleTasks, tallyTasks } from './task-tally.js';
import { witnessScript } from './witness.js';

// `npm run bench:soak -- [--minutes N]`: mixed load on three nodes for a long while (30 minutes by
// default; not run by CI). Each node's memory and open handles must stay flat (within 10 % between the
// start and the end of the run, after a warm-up) and its log free of errors. One JSON object on stdout.

// Often, so the windows average over many moments: open handles move with the tasks running at each one.
const SAMPLE_MS = 2000;
/** The most a node's resident memory or open handles may grow (or shrink) over the run. */
const FLAT_WITHIN = 0.1;

const USAGE = `Usage: npm run bench:soak -- [--minutes N]

  --minutes N   how long the mixed load runs (default 30)`;

interface Sample {
  at: number;
  rssBytes: number;
  handles: number;
}

/** Resident memory and open file descriptors (sockets, files, pipes: Node's handles) of a process. */
async function sample(pid: number): Promise<Sample> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { at: Date.now(), rssBytes: rssKb * 1024, handles: (await readdir(`/proc/${pid}/fd`)).length };
}

/** The mean of each figure over the samples in [from, to). */
function mean(samples: Sample[], from: number, to: number): { rssMb: number; handles: number } {
  const window = samples.filter((s) => s.at >= from && s.at < to);
  const average = (pick: (s: Sample) => number) =>
    window.reduce((sum, s) => sum + pick(s), 0) / Math.max(1, window.length);
  return {
    rssMb: Math.round(average((s) => s.rssBytes) / 1024 / 102.4) / 10,
    handles: Math.round(average((s) => s.handles) * 10) / 10,
  };
}

function change(start: number, end: number): number {
  return start === 0 ? 0 : Math.round(((end - start) / start) * 1000) / 10;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const minutes = intOption(values.minutes, 'minutes', 1, 24 * 60) ?? 30;
  const durationMs = minutes * 60_000;
  // Figures settle after a warm-up (JIT, pools filling); then the first and last windows are compared.
  const warmupMs = Math.min(5 * 60_000, durationMs * 0.3);
  const windowMs = Math.max(30_000, durationMs * 0.15);

  const cleanup = new Cleanup();
  const stop = (signal: string) => {
    say(`${signal}: cleaning up`);
    void cleanup.runAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-soak-'));
    await chmod(dir, 0o755);
    cleanup.add('remove the run folder', () => rm(dir, { recursive: true, force: true }));
    const postgres = await ChaosPostgres.start(cleanup);
    const sharedDir = path.join(dir, 'shared');
    await mkdir(sharedDir);
    const cluster = await ChaosCluster.start(
      {
        dir,
        dbUrl: await postgres.createDatabase('soak'),
        sharedDir,
        nodes: 3,
        taskCap: 4,
        ownMountNamespaces: false,
      },
      cleanup,
    );
    const witnessFile = path.join(dir, 'witness.log');
    const load = new SteadyLoad(cluster, {
      users: 4,
      pauseMs: 50,
      taskEveryMs: 300,
      script: witnessScript(witnessFile, 1),
      noop: { every: 3, sleepMs: 1000 },
    });
    const startedAt = Date.now();
    load.start();
    cleanup.add('stop the load', () => load.stop());
    const samples = new Map(cluster.nodes.map((node) => [node.name, [] as Sample[]]));
    say(`soaking for ${minutes} min`);
    while (Date.now() - startedAt < durationMs) {
      for (const node of cluster.nodes) samples.get(node.name)!.push(await sample(node.pid));
      const elapsed = Date.now() - startedAt;
      if (elapsed % 60_000 < SAMPLE_MS)
        say(
          `${Math.round(elapsed / 60_000)} min: ${load.records.length} requests, ${load.taskIds.length + load.noopTaskIds.length} tasks`,
        );
      await sleep(SAMPLE_MS);
    }
    const endedAt = Date.now();
    await load.stop();
    await settleTasks(cluster, [...load.taskIds, ...load.noopTaskIds], 30_000);
    const tally = await tallyTasks(cluster, load.taskIds, witnessFile);
    const noops = (
      await cluster.db.query<{ state: string; n: number }>(
        `select state, count(*)::int as n from tasks where id = any($1::bigint[]) group by state`,
        [load.noopTaskIds],
      )
    ).rows;

    const misses: string[] = [];
    const nodes = cluster.nodes.map((node) => {
      const taken = samples.get(node.name)!;
      const start = mean(taken, startedAt + warmupMs, startedAt + warmupMs + windowMs);
      const end = mean(taken, endedAt - windowMs, endedAt + 1);
      const rssChangePct = change(start.rssMb, end.rssMb);
      const handlesChangePct = change(start.handles, end.handles);
      const errorLines = cluster.errorLines(node.name);
      if (Math.abs(rssChangePct) > FLAT_WITHIN * 100)
        misses.push(`${node.name}: memory went from ${start.rssMb} to ${end.rssMb} MB (${rssChangePct} %)`);
      if (Math.abs(handlesChangePct) > FLAT_WITHIN * 100)
        misses.push(
          `${node.name}: open handles went from ${start.handles} to ${end.handles} (${handlesChangePct} %)`,
        );
      if (errorLines.length > 0)
        misses.push(`${node.name}: ${errorLines.length} error line(s), e.g. ${errorLines[0]!.slice(0, 300)}`);
      return {
        name: node.name,
        rssMb: { start: start.rssMb, end: end.rssMb, changePct: rssChangePct },
        handles: { start: start.handles, end: end.handles, changePct: handlesChangePct },
        errorLines: errorLines.length,
      };
    });
    const failedRequests = load.records.filter((record) => record.outcome !== 'ok');
    if (failedRequests.length > 0)
      misses.push(
        `${failedRequests.length} request(s) not served, e.g. ${failedRequests[0]!.what}: ${failedRequests[0]!.detail}`,
      );
    if (tally.lost + tally.ranTwice + tally.failed > 0)
      misses.push(`script tasks: ${tally.lost} lost, ${tally.ranTwice} ran twice, ${tally.failed} failed`);
    const noopOk = noops.every((row) => row.state === 'succeeded');
    if (!noopOk) misses.push(`noop tasks ended ${JSON.stringify(noops)}`);
    const report = {
      ok: misses.length === 0,
      minutes,
      comparedMs: { warmup: warmupMs, window: windowMs },
      nodes,
      requests: load.records.length,
      failedRequests: failedRequests.length,
      tasks: {
        script: tally.tasks,
        succeeded: tally.succeeded,
        lost: tally.lost,
        ranTwice: tally.ranTwice,
        noop: noops,
      },
      misses,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await cleanup.runAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
