import type { Logger } from 'pino';
import type { BalancerAdminState } from '../api/index.js';
import type { NotificationListener } from '../node/notification-listener.js';
import type { Db } from '../sql/db.js';
import { BalancerMember } from './balancer-member.js';
import type { HealthCheckOptions } from './health-checker.js';
import { HEALTH_CHECK, HealthChecker } from './health-checker.js';

export interface DbMemberRow {
  name: string;
  url: string;
}

/**
 * The nodes that may serve users: every registered node except those that stopped cleanly or are dead.
 * One that merely missed heartbeats stays, and its health checks decide: it may be back in a second.
 */
export async function readMemberRows(db: Db): Promise<DbMemberRow[]> {
  const result = await db.query<DbMemberRow>(
    `select name, url from node_status where stopped_at is null and state <> 'dead' order by name`,
  );
  return result.rows;
}

/** Re-reads the nodes table at least this often; NOTIFY makes most changes arrive sooner. */
const REFRESH_MS = 1000;

/**
 * The balancer's members, straight from the nodes table: a node that joins, leaves or moves is picked up
 * within a second, with no config to write and nothing to reload. Each member has its own health checker.
 */
export class BalancerMembers {
  private readonly members = new Map<string, { member: BalancerMember; checker: HealthChecker }>();
  private ordered: BalancerMember[] = [];
  /** What the admin set, by node name: a node that restarts or crashes comes back as the admin left it. */
  private readonly adminStates = new Map<string, BalancerAdminState>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private dbFailing = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly listener: NotificationListener,
    private readonly log: Logger,
    private readonly healthCheck: HealthCheckOptions = HEALTH_CHECK,
  ) {}

  /**
   * Reads the members once (failing if the database cannot be read) and waits for their first health
   * check, so the balancer does not turn users away while it learns who is up; then keeps them current.
   */
  async start(): Promise<void> {
    this.apply(await readMemberRows(this.db));
    await Promise.all([...this.members.values()].map(({ checker }) => checker.firstCheck));
    // Joins, clean stops, drains and cap changes NOTIFY flotilla_nodes; the timer catches what happens
    // silently (a node going dead is only a matter of time passing).
    this.listener.on('flotilla_nodes', () => this.refreshSoon());
    this.timer = setInterval(() => this.refreshSoon(), REFRESH_MS);
  }

  /** Members in a stable order (by name). */
  list(): readonly BalancerMember[] {
    return this.ordered;
  }

  get(name: string): BalancerMember | undefined {
    return this.members.get(name)?.member;
  }

  setAdminState(name: string, state: BalancerAdminState): BalancerMember | undefined {
    const member = this.get(name);
    if (!member) return undefined;
    member.adminState = state;
    this.adminStates.set(name, state);
    return member;
  }

  /** Refreshes now, or right after the refresh that is running (so a burst of NOTIFYs costs two reads). */
  refreshSoon(): void {
    if (this.stopped) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = readMemberRows(this.db)
      .then(
        (rows) => {
          if (this.dbFailing) this.log.info('reading the nodes table works again');
          this.dbFailing = false;
          if (!this.stopped) this.apply(rows);
        },
        (error: unknown) => {
          // Keep balancing over the members we know: the nodes may still serve users.
          if (!this.dbFailing)
            this.log.warn({ err: (error as Error).message }, 'cannot read the nodes table');
          this.dbFailing = true;
        },
      )
      .finally(() => {
        this.refreshing = null;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          this.refreshSoon();
        }
      });
  }

  private apply(rows: DbMemberRow[]): void {
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.name);
      const current = this.members.get(row.name);
      if (current?.member.url === row.url) continue;
      // New, or restarted at another address: fresh health and figures.
      if (current) current.checker.stop();
      const member = new BalancerMember(row.name, row.url, this.adminStates.get(row.name) ?? 'ready');
      const checker = new HealthChecker(member, this.healthCheck, this.log);
      this.members.set(row.name, { member, checker });
      checker.start();
      this.log.info({ member: row.name, url: row.url }, current ? 'member moved' : 'member added');
    }
    for (const [name, { checker }] of this.members) {
      if (seen.has(name)) continue;
      checker.stop();
      this.members.delete(name);
      this.log.info({ member: name }, 'member removed');
    }
    this.ordered = [...this.members.values()]
      .map(({ member }) => member)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refreshing;
    for (const { checker } of this.members.values()) checker.stop();
  }
}
