import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosCluster } from './chaos-cluster.js';
import { doneLine, readWitness } from './witness.js';

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

export interface TaskTally {
  /** Tasks the load queued (answered 201). */
  tasks: number;
  succeeded: number;
  /** Failed with a reason the database recorded (see `failureReasons`). */
  failed: number;
  /**
   * Not finished when the cluster had settled, or marked succeeded although no execution finished its
   * work (the witness), or succeeded with a log that does not show the work.
   */
  lost: number;
  /** More than one execution began (the witness): a script task is never run again on its own. */
  ranTwice: number;
  /** Failed, yet an execution finished its work: what a user retries runs twice. */
  workDoneButFailed: number;
  /** Executions of tasks the load never got an id for: a request that failed but took effect. */
  phantom: number;
  failureReasons: Record<string, number>;
  /** A few examples of what was lost, for the report. */
  lostDetail: string[];
}

/** Waits until every task is finished (or `timeoutMs` passed); reads the database directly. */
export async function settleTasks(cluster: ChaosCluster, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const open = await cluster.db
      .query<{ n: number }>(
        `select count(*)::int as n from tasks where id = any($1::bigint[]) and state not in ('succeeded', 'failed', 'canceled')`,
        [ids],
      )
      .then((result) => result.rows[0]!.n)
      .catch(() => -1);
    if (open === 0) return;
    await sleep(250);
  }
}

/** Compares what the database says about each task with what the witness saw and what its log holds. */
export async function tallyTasks(
  cluster: ChaosCluster,
  ids: string[],
  witnessFile: string,
): Promise<TaskTally> {
  const rows = (
    await cluster.db.query<{ id: string; state: string; error: string | null }>(
      `select id::text, state, error from tasks where id = any($1::bigint[])`,
      [ids],
    )
  ).rows;
  const witness = await readWitness(witnessFile);
  const tally: TaskTally = {
    tasks: ids.length,
    succeeded: 0,
    failed: 0,
    lost: 0,
    ranTwice: 0,
    workDoneButFailed: 0,
    phantom: [...witness.keys()].filter((id) => !ids.includes(id)).length,
    failureReasons: {},
    lostDetail: [],
  };
  const lose = (id: string, why: string) => {
    tally.lost++;
    if (tally.lostDetail.length < 5) tally.lostDetail.push(`task ${id}: ${why}`);
  };
  for (const id of ids) {
    const row = rows.find((candidate) => candidate.id === id);
    const executions = witness.get(id) ?? { starts: [], ends: [] };
    if (executions.starts.length > 1) tally.ranTwice++;
    if (!row || !TERMINAL.has(row.state)) {
      lose(id, `still ${row?.state ?? 'missing'}`);
      continue;
    }
    if (row.state === 'succeeded') {
      if (executions.ends.length === 0) {
        lose(id, 'succeeded, but no execution finished its work');
        continue;
      }
      const log = await cluster.api<string>('GET', `/api/tasks/${id}/log`).catch(() => null);
      if (log?.status !== 200 || !log.body.includes(doneLine(id))) {
        lose(id, `succeeded, but its log does not show the work (HTTP ${log?.status ?? 'no answer'})`);
        continue;
      }
      tally.succeeded++;
      continue;
    }
    tally.failed++;
    if (executions.ends.length > 0) tally.workDoneButFailed++;
    const reason = normalise(row.error ?? row.state);
    tally.failureReasons[reason] = (tally.failureReasons[reason] ?? 0) + 1;
  }
  return tally;
}

/** One reason per kind of failure: node names, numbers and paths folded so equal causes count together. */
function normalise(error: string): string {
  return error
    .replace(/node-\d+/g, 'node-N')
    .replace(/\/\S+/g, '<path>')
    .replace(/\d+/g, 'N')
    .slice(0, 200);
}
