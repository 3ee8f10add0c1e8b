import type { Logger } from 'pino';
import type { Db } from '../sql/db.js';
import { pruneEvents } from '../sql/events.js';
import { acquireLeaderLease } from '../sql/node-lifecycle.js';
import { reportNodeStates } from '../sql/node-rows.js';
import { scheduleRetention } from '../retention/schedule-retention.js';
import { recoverLostTasks } from '../sql/recover-lost-tasks.js';
import { recoveryPolicies } from '../tasks/task-kinds.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * The singleton jobs, run by whichever node holds the leader lease (a row with a short TTL, so a
 * dead leader is replaced within seconds): push node state changes, sweep tasks off dead nodes, queue scheduled singletons
 * (retention), prune old events.
 */
export class LeaderLoop {
  isLeader = false;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly node: string,
    private readonly settings: { leaderTtlMs: number; eventRetentionHours: number; deadAfterMs: number },
    private readonly log: Logger,
    /** How long this node's heartbeats have reached the database without a break. */
    private readonly inContactForMs: () => number,
  ) {}

  async tick(): Promise<void> {
    const wasLeader = this.isLeader;
    this.isLeader = await acquireLeaderLease(this.db, this.node, this.settings.leaderTtlMs);
    if (this.isLeader !== wasLeader) this.log.info({ leader: this.isLeader }, 'leader lease changed');
    if (!this.isLeader) return;
    // A leader that was itself out of touch (the database restarted, or it was cut off) saw nobody's
    // heartbeats meanwhile: every peer looks silent to it. It judges no one before it has watched for as
    // long as a node must be silent to be dead, or a database restart would declare the whole cluster dead.
    if (this.inContactForMs() < this.settings.deadAfterMs) return;
    await reportNodeStates(this.db);
    const recovered = await recoverLostTasks(this.db, recoveryPolicies(), this.node);
    for (const task of recovered) {
      this.log.info(
        { task: task.id, kind: task.kind, from: task.from_node, state: task.state },
        'recovered task',
      );
    }
    const retention = await scheduleRetention(this.db);
    if (retention) this.log.info({ task: retention }, 'queued the scheduled retention task');
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneEvents(this.db, this.settings.eventRetentionHours);
    }
  }
}
