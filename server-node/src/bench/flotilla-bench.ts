import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterDto, CreateTaskResultDto } from '../api/index.js';
import type { FlotillaCluster } from './flotilla-cluster.js';
import { log, percentile, round1, waitFor } from './util.js';
import { queueTasksCte } from '../sql/queue-tasks.js';

export interface BatchResult {
  jobsPerSec: number;
  pickupP50Ms: number;
  pickupP99Ms: number;
  /** Tasks run by each node (Flotilla) or each worker process (graphile-worker). */
  perNode: Record<string, number>;
  spread: number;
}

export interface IdleResult {
  idlePickupP50Ms: number;
  idlePickupP99Ms: number;
}

export interface RecoveryResult {
  deadAfterMs: number;
  movedAfterMs: number;
}

interface PickupRow {
  node: string | null;
  state: string;
  pickup_ms: number | null;
}

/** started_at − queued_at, both set by PostgreSQL: queueing time until a node claimed the task. */
const PICKUP_COLUMNS = `node, state, (extract(epoch from started_at - queued_at) * 1000)::float8 as pickup_ms`;

/**
 * Queues `jobs` no-op tasks in one statement (its insert trigger NOTIFYs the nodes) and waits until
 * none of them is queued or executing. The clock runs from before the insert, so enqueueing counts.
 */
export async function flotillaBatch(cluster: FlotillaCluster, jobs: number): Promise<BatchResult> {
  const started = performance.now();
  const range = (
    await cluster.db.query<{ first: string; last: string }>(
      `with ${queueTasksCte(`select 'noop', '{"sleepMs":0}'::jsonb, null from generate_series(1, $1)`)}
       select min(id)::text as first, max(id)::text as last from task`,
      [jobs],
    )
  ).rows[0]!;
  await waitFor(
    `${jobs} Flotilla tasks to finish`,
    async () =>
      !(
        await cluster.db.query<{ busy: boolean }>(
          `select exists(select 1 from tasks where state in ('queued', 'executing') and id between $1 and $2) as busy`,
          [range.first, range.last],
        )
      ).rows[0]!.busy,
    { timeoutMs: 30 * 60_000 },
  );
  const elapsedMs = performance.now() - started;
  const rows = (
    await cluster.db.query<PickupRow>(`select ${PICKUP_COLUMNS} from tasks where id between $1 and $2`, [
      range.first,
      range.last,
    ])
  ).rows;
  return summariseBatch(
    rows.map((row) => ({
      node: row.node ?? '(none)',
      pickupMs: row.pickup_ms ?? Number.NaN,
      ok: row.state === 'succeeded',
    })),
    elapsedMs,
  );
}

/** Shared by both queues: throughput, pickup percentiles and how evenly the work was spread. */
export function summariseBatch(
  runs: { node: string; pickupMs: number; ok: boolean }[],
  elapsedMs: number,
): BatchResult {
  const failed = runs.filter((run) => !run.ok).length;
  if (failed > 0) throw new Error(`${failed} of ${runs.length} jobs did not succeed`);
  const perNode: Record<string, number> = {};
  for (const run of runs) perNode[run.node] = (perNode[run.node] ?? 0) + 1;
  const counts = Object.values(perNode);
  return {
    jobsPerSec: Math.round(runs.length / (elapsedMs / 1000)),
    pickupP50Ms: percentile(
      runs.map((run) => run.pickupMs),
      50,
    ),
    pickupP99Ms: percentile(
      runs.map((run) => run.pickupMs),
      99,
    ),
    perNode,
    spread: counts.length === 0 ? 0 : Math.round((Math.min(...counts) / Math.max(...counts)) * 1000) / 1000,
  };
}

/**
 * Single-task pickup on an idle cluster: `count` tasks through POST /api/tasks, one at a time,
 * `gapMs` apart, sent round-robin to the nodes as a balancer would.
 */
export async function flotillaIdlePickup(
  cluster: FlotillaCluster,
  count: number,
  gapMs: number,
): Promise<IdleResult> {
  const nodes = cluster.alive();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { status, body } = await cluster.api<CreateTaskResultDto>(
      'POST',
      '/api/tasks',
      { kind: 'noop', args: { sleepMs: 0 } },
      nodes[i % nodes.length],
    );
    if (status !== 201) throw new Error(`POST /api/tasks answered ${status}`);
    ids.push(body.id);
    await sleep(gapMs);
  }
  const rows = await waitFor(`${count} idle-pickup tasks to finish`, async () => {
    const result = await cluster.db.query<PickupRow>(
      `select ${PICKUP_COLUMNS} from tasks where id = any($1::bigint[])`,
      [ids],
    );
    return result.rows.every((row) => row.state === 'succeeded') ? result.rows : null;
  });
  const pickups = rows.map((row) => row.pickup_ms ?? Number.NaN);
  return { idlePickupP50Ms: percentile(pickups, 50), idlePickupP99Ms: percentile(pickups, 99) };
}

/**
 * Crash recovery: with long no-op tasks on every node, SIGKILL a node that is not the leader (so the
 * figure is detection + sweep, not leader failover too) and time, from the kill, until another node's
 * API calls it dead and until no task is left `executing` on it.
 */
export async function flotillaRecovery(
  cluster: FlotillaCluster,
  tasks: number,
  sleepMs: number,
): Promise<RecoveryResult> {
  const ids = (
    await cluster.db.query<{ id: string }>(
      `with ${queueTasksCte(`select 'noop', jsonb_build_object('sleepMs', $2::int), null from generate_series(1, $1)`)}
       select id::text from task`,
      [tasks, sleepMs],
    )
  ).rows.map((row) => row.id);
  const leader = (await cluster.api<ClusterDto>('GET', '/api/cluster')).body.leader;
  const victim = [...cluster.alive()].reverse().find((node) => node.name !== leader);
  const witness = cluster.alive().find((node) => node !== victim);
  if (!victim || !witness) throw new Error('recovery needs at least two live nodes');
  const executingOn = async (name: string) =>
    Number(
      (
        await cluster.db.query<{ n: string }>(
          `select count(*) as n from tasks where state = 'executing' and node = $1`,
          [name],
        )
      ).rows[0]!.n,
    );
  const running = await waitFor(`${victim.name} to run tasks`, async () => {
    const n = await executingOn(victim.name);
    return n > 0 ? n : null;
  });

  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  log(
    `SIGKILLed ${victim.name} (pid ${victim.child.pid}) while it ran ${running} tasks; leader is ${leader ?? 'none'}`,
  );
  const [deadAfterMs, movedAfterMs] = await Promise.all([
    waitFor(
      `${witness.name} to report ${victim.name} dead`,
      async () => {
        const view = await cluster.nodesView(witness);
        return view.find((node) => node.name === victim.name)?.state === 'dead'
          ? performance.now() - killedAt
          : null;
      },
      { timeoutMs: 60_000 },
    ),
    waitFor(
      `the tasks of ${victim.name} to move`,
      async () => ((await executingOn(victim.name)) === 0 ? performance.now() - killedAt : null),
      { timeoutMs: 60_000 },
    ),
  ]);

  // Not part of the figures: check the requeued tasks did run to the end on the survivors.
  const outcome = await waitFor(
    'the recovery batch to finish',
    async () => {
      const result = await cluster.db.query<{ done: string; retried: string; bad: string }>(
        `select count(*) filter (where state in ('succeeded', 'failed', 'canceled')) as done,
                count(*) filter (where attempts > 1) as retried,
                count(*) filter (where state in ('failed', 'canceled')) as bad
         from tasks where id = any($1::bigint[])`,
        [ids],
      );
      const row = result.rows[0]!;
      return Number(row.done) === ids.length ? row : null;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  log(
    `recovery batch finished: ${outcome.retried} tasks ran again elsewhere, ${outcome.bad} failed or canceled`,
  );
  return { deadAfterMs: round1(deadAfterMs), movedAfterMs: round1(movedAfterMs) };
}
