import { setTimeout as sleep } from 'node:timers/promises';
import type { ScenarioRun } from './scenario.js';

/** A write that reached the database this soon after the fault began was made before the node was cut. */
const IN_FLIGHT_MS = 1000;

/**
 * For a node the cluster lost for a while (cut off, frozen) and that came back: the attempts it was
 * running were taken over ('lost'), and back, it wrote no outcome over them; it started no task while
 * it was away. (Every outcome write is conditional on the lease, so this is the lease doing its job.)
 */
export async function checkLostNodeStayedOut(
  run: ScenarioRun,
  faultAt: number,
  endAt: number,
): Promise<void> {
  // Give the returning node time to try whatever it was going to try.
  await sleep(2000);
  const victim = run.victim.name;
  const attempts = (
    await run.cluster.db.query<{
      id: string;
      outcome: string;
      finished_ms: number | null;
      started_ms: number;
    }>(
      `select a.task_id || '#' || a.attempt as id, a.outcome,
              extract(epoch from a.finished_at) * 1000 as finished_ms, extract(epoch from a.started_at) * 1000 as started_ms
       from task_attempts a where a.node = $1 and (a.finished_at is null or a.finished_at > to_timestamp($2 / 1000.0))`,
      [victim, faultAt],
    )
  ).rows;
  const running = attempts.filter((row) => row.started_ms < faultAt);
  run.checks.victimAttemptsTakenOver = running.filter((row) => row.outcome === 'lost').length;
  const wroteAfter = running.filter(
    (row) => row.outcome !== 'lost' && (row.finished_ms === null || row.finished_ms > faultAt + IN_FLIGHT_MS),
  );
  run.check(
    'victimWroteOverTakenTasks',
    wroteAfter.map((row) => `${row.id} ${row.outcome}`),
    wroteAfter.length === 0,
    `${victim} finished attempts the cluster had taken from it`,
  );
  const startedAway = attempts.filter(
    (row) => row.started_ms > faultAt + IN_FLIGHT_MS && row.started_ms < endAt,
  );
  run.check(
    'victimStartedTasksWhileAway',
    startedAway.length,
    startedAway.length === 0,
    `${victim} started ${startedAway.length} task(s) while it was away`,
  );
}
