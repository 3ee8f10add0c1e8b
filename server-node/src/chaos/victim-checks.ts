import type { PingWatch } from './ping-watch.js';
import type { ScenarioRun } from './scenario.js';

/** After a node's ping refuses, a balancer needs a check or two (500 ms apart) to stop sending it users. */
const BALANCER_GRACE_MS = 1500;

/**
 * The checks every single-node fault shares: the victim's ping refused users (503) within `refuseWithinMs`
 * of the fault and said why; the balancer then stopped sending it requests; and the victim took no
 * new task while it refused.
 */
export async function checkVictimRefused(
  run: ScenarioRun,
  watch: PingWatch,
  window: { faultAt: number; endAt: number; refuseWithinMs: number; reason: RegExp },
): Promise<void> {
  const refusal = watch.firstRefusal(window.faultAt);
  const refusedAfterMs = refusal ? refusal.at - window.faultAt : null;
  run.check(
    'victimPingRefusedAfterMs',
    refusedAfterMs,
    refusedAfterMs !== null && refusedAfterMs <= window.refuseWithinMs,
    refusedAfterMs === null
      ? `${watch.node} kept answering its ping with 200`
      : `${watch.node} refused only after ${refusedAfterMs} ms (at most ${window.refuseWithinMs})`,
  );
  if (!refusal) return;
  const said = refusal.reason ?? refusal.state;
  run.check(
    'victimPingSaid',
    `${refusal.status} ${refusal.state}: ${refusal.reason ?? '(no reason)'}`,
    window.reason.test(said),
    `the ping's reason does not say what is wrong (${said})`,
  );
  const servedAfter = run.load.records.filter(
    (record) =>
      record.node === watch.node && record.at >= refusal.at + BALANCER_GRACE_MS && record.at < window.endAt,
  ).length;
  run.check(
    'victimServedUsersWhileRefusing',
    servedAfter,
    servedAfter === 0,
    `the balancer still sent ${servedAfter} request(s) to ${watch.node} after its ping refused`,
  );
  const claimed = (
    await run.cluster.db.query<{ n: number }>(
      `select count(*)::int as n from task_attempts where node = $1 and started_at > to_timestamp($2 / 1000.0)
       and started_at < to_timestamp($3 / 1000.0)`,
      [watch.node, refusal.at + 500, window.endAt],
    )
  ).rows[0]!.n;
  run.check(
    'victimTookTasksWhileRefusing',
    claimed,
    claimed === 0,
    `${watch.node} started ${claimed} task(s) while its ping refused`,
  );
}
