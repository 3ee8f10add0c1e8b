import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cleanup } from '../bench/util.js';
import type { ChaosNode } from './chaos-cluster.js';
import { ChaosCluster } from './chaos-cluster.js';
import { say } from './chaos-log.js';
import type { ChaosPostgres } from './chaos-postgres.js';
import { SharedMount } from './shared-mount.js';
import type { RequestRecord } from './steady-load.js';
import { SteadyLoad } from './steady-load.js';
import { settleTasks, tallyTasks } from './task-tally.js';
import { witnessScript } from './witness.js';

const NODES = 3;
const TASK_CAP = 4;
/** Load before the fault, so it hits a cluster at work. */
const WARMUP_MS = 3000;
/** Load after the cluster is whole again, to see it serve and work as before. */
const AFTERMATH_MS = 3000;
const RECOVERY_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 30_000;
/** The load's tasks: a few seconds of work each. */
const WORK_SECONDS = 2;

/** One row of the suite's report. The first eight fields are the issue's; the rest say why. */
export interface ScenarioRow {
  scenario: string;
  tasks: number;
  succeeded: number;
  lost: number;
  ranTwice: number;
  requests: number;
  failedRequests: number;
  /** From the end of the fault until every node serves (ping 200) and is listed running; null: never. */
  recoveredAfterMs: number | null;
  failed: number;
  failureReasons: Record<string, number>;
  workDoneButFailed: number;
  /** Deliberate refusals: 503 with a reason. */
  refused: number;
  slowestRefusalMs: number;
  /** What the scenario checked beyond the counts. */
  checks: Record<string, unknown>;
  /** Targets missed, each saying why; empty when the scenario passed. */
  misses: string[];
  durationMs: number;
}

/** What a fault has to work with. */
export interface ScenarioRun {
  cluster: ChaosCluster;
  load: SteadyLoad;
  mount: SharedMount;
  postgres: ChaosPostgres;
  /** The node most faults hit. */
  victim: ChaosNode;
  cleanup: Cleanup;
  checks: Record<string, unknown>;
  /** Records a check; a false `ok` is a missed target with `why`. */
  check(name: string, value: unknown, ok: boolean, why: string): void;
}

export interface ScenarioSpec {
  name: string;
  /** Task failures this fault may cause by design, matched on their error. Any other failure is a miss. */
  expectedFailures?: RegExp;
  /** Size of the shared folder's filesystem. */
  sharedBytes?: number;
  /** Sets up what must exist before the nodes start, e.g. a proxy in front of one node's database. */
  prepare?(context: { postgres: ChaosPostgres; cleanup: Cleanup }): Promise<{
    dbUrlFor?: (name: string, dbUrl: string) => string;
  }>;
  /** Inflicts the fault under load, holds it, ends it; resolves with Date.now() of the end. */
  fault(run: ScenarioRun): Promise<number>;
}

export interface ScenarioContext {
  postgres: ChaosPostgres;
  /** A folder of the run's own, removed with it. */
  dir: string;
  index: number;
}

/**
 * One scenario from start to finish with real processes: a fresh database and shared folder, three
 * nodes and the balancer, steady load, the fault, recovery, then the tally of every task and request.
 * Everything started is stopped, and everything mounted unmounted, also when the scenario throws.
 */
export async function runScenario(spec: ScenarioSpec, context: ScenarioContext): Promise<ScenarioRow> {
  const startedAt = performance.now();
  const cleanup = new Cleanup();
  const checks: Record<string, unknown> = {};
  const misses: string[] = [];
  say(`── ${spec.name}`);
  try {
    const dir = path.join(context.dir, spec.name);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    const dbUrl = await context.postgres.createDatabase(`chaos_${context.index}`);
    const prepared = (await spec.prepare?.({ postgres: context.postgres, cleanup })) ?? {};
    const mount = await SharedMount.create(dir, spec.sharedBytes ?? 64 * 1024 * 1024, cleanup);
    const cluster = await ChaosCluster.start(
      {
        dir,
        dbUrl,
        sharedDir: mount.shared,
        nodes: NODES,
        taskCap: TASK_CAP,
        dbUrlFor: prepared.dbUrlFor ? (name) => prepared.dbUrlFor!(name, dbUrl) : undefined,
        ownMountNamespaces: true,
      },
      cleanup,
    );
    const witnessFile = path.join(dir, 'witness.log');
    const load = new SteadyLoad(cluster, {
      users: 3,
      pauseMs: 100,
      taskEveryMs: 400,
      script: witnessScript(witnessFile, WORK_SECONDS),
    });
    load.start();
    cleanup.add('stop the load', () => load.stop());
    await sleep(WARMUP_MS);

    const run: ScenarioRun = {
      cluster,
      load,
      mount,
      postgres: context.postgres,
      victim: cluster.node(`node-${NODES}`),
      cleanup,
      checks,
      check(name, value, ok, why) {
        checks[name] = value;
        if (!ok) misses.push(`${name}: ${why}`);
      },
    };
    const healedAt = await spec.fault(run);
    say(`fault over; waiting for the cluster to be whole`);
    const recoveredAt = await waitUntil(() => cluster.healthy(), RECOVERY_TIMEOUT_MS);
    const recoveredAfterMs = recoveredAt === null ? null : Math.max(0, recoveredAt - healedAt);
    if (recoveredAfterMs === null)
      misses.push(`not whole again within ${RECOVERY_TIMEOUT_MS} ms of the fault's end`);
    await sleep(AFTERMATH_MS);
    await load.stop();
    await settleTasks(cluster, load.taskIds, SETTLE_TIMEOUT_MS);
    const tally = await tallyTasks(cluster, load.taskIds, witnessFile);
    const requests = requestFigures(load.records);

    if (tally.lost > 0) misses.push(`${tally.lost} task(s) lost: ${tally.lostDetail.join('; ')}`);
    if (tally.ranTwice > 0) misses.push(`${tally.ranTwice} task(s) ran twice`);
    if (tally.phantom > 0) misses.push(`${tally.phantom} task(s) ran although queueing them failed`);
    for (const [reason, count] of Object.entries(tally.failureReasons)) {
      if (!spec.expectedFailures?.test(reason)) misses.push(`${count} task(s) failed: ${reason}`);
    }
    if (requests.failed.length > 0)
      misses.push(`${requests.failed.length} request(s) failed, e.g. ${requests.samples.join(' | ')}`);
    const errorLines = cluster.nodes.reduce((sum, node) => sum + cluster.errorLines(node.name).length, 0);
    checks.nodeLogErrorLines = errorLines;
    return {
      scenario: spec.name,
      tasks: tally.tasks,
      succeeded: tally.succeeded,
      lost: tally.lost,
      ranTwice: tally.ranTwice,
      requests: load.records.length,
      failedRequests: requests.failed.length,
      recoveredAfterMs,
      failed: tally.failed,
      failureReasons: tally.failureReasons,
      workDoneButFailed: tally.workDoneButFailed,
      refused: requests.refused.length,
      slowestRefusalMs: Math.max(0, ...requests.refused.map((record) => record.ms)),
      checks,
      misses,
      durationMs: Math.round(performance.now() - startedAt),
    };
  } catch (error) {
    say(`${spec.name} broke off: ${(error as Error).stack ?? String(error)}`);
    misses.push(`the scenario broke off: ${(error as Error).message}`);
    return {
      scenario: spec.name,
      tasks: 0,
      succeeded: 0,
      lost: 0,
      ranTwice: 0,
      requests: 0,
      failedRequests: 0,
      recoveredAfterMs: null,
      failed: 0,
      failureReasons: {},
      workDoneButFailed: 0,
      refused: 0,
      slowestRefusalMs: 0,
      checks,
      misses,
      durationMs: Math.round(performance.now() - startedAt),
    };
  } finally {
    await cleanup.runAll();
    if (!context.postgres.running) await context.postgres.up();
  }
}

function requestFigures(records: RequestRecord[]) {
  const failed = records.filter((record) => record.outcome === 'failed');
  const samples = [...new Set(failed.map((record) => `${record.what}: ${record.detail}`))].slice(0, 3);
  return { failed, samples, refused: records.filter((record) => record.outcome === 'refused') };
}

/** Date.now() when `check` first holds, polled every 100 ms; null after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return Date.now();
    await sleep(100);
  }
  return null;
}
