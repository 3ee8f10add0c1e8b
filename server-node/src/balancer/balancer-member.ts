import type { BalancerAdminState } from '../api/index.js';
import { MemberHealth } from './member-health.js';
import { RateCounter } from './rate-counter.js';

/** One node behind the balancer: where it is, what the admin and the health checks say, and its traffic. */
export class BalancerMember {
  readonly health = new MemberHealth();
  /** Requests (and WebSocket or SSE streams) in flight. */
  sessions = 0;
  totalRequests = 0;
  /** Bytes received from clients for this member, and bytes sent back to them (HAProxy's bin/bout). */
  bytesIn = 0;
  bytesOut = 0;
  /** When the member last started answering a proxied request (0: never): proof of life beside the pings. */
  lastAnsweredAt = 0;
  private readonly rate = new RateCounter();

  constructor(
    readonly name: string,
    readonly url: string,
    public adminState: BalancerAdminState,
  ) {}

  /** host:port, as the stats show it. */
  get address(): string {
    return new URL(this.url).host;
  }

  /** May it be given a new request? Drain and maint both say no; requests already running go on. */
  get routable(): boolean {
    return this.adminState === 'ready' && this.health.routable;
  }

  requestRate(now = Date.now()): number {
    return this.rate.perSecond(now);
  }

  /** Counts a session that starts now; the returned function ends it (calling it again does nothing). */
  begin(): () => void {
    this.sessions++;
    this.totalRequests++;
    this.rate.add();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.sessions--;
    };
  }
}
