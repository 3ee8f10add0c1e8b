import type { BalancerCheckStatus } from '../api/index.js';

/** One health check's answer: 200, 503 (alive but asking for no new users), or anything else / no answer. */
export type CheckResult = 'ok' | 'not-ready' | 'failed';

/**
 * HAProxy's check rules for one member, so the built-in balancer and HAProxy agree on what "up" means:
 * `fall` failed checks in a row take an up member down, `rise` good ones bring a down member up, and
 * in between it is going-down (still serving) or going-up (not yet serving).
 */
export class MemberHealth {
  status: BalancerCheckStatus = 'unchecked';
  /** The last ping answered 503 (draining, stopping, fenced): no new requests, whatever the counters say. */
  notReady = false;
  /** When the member last went up or down (HAProxy's `lastchg`). */
  changedAt = Date.now();
  private streak = 0;

  constructor(
    private readonly rise = 2,
    private readonly fall = 2,
  ) {}

  /** May the member be given a new request? HAProxy keeps serving a member that is only going down. */
  get routable(): boolean {
    return (this.status === 'up' || this.status === 'going-down') && !this.notReady;
  }

  record(result: CheckResult, now = Date.now()): void {
    this.notReady = result === 'not-ready';
    const ok = result === 'ok';
    switch (this.status) {
      case 'unchecked':
        // The first answer decides at once, so a balancer that just started serves without waiting
        // `rise` intervals (HAProxy, too, starts its servers up).
        this.set(ok ? 'up' : 'down', now);
        return;
      case 'up':
        if (!ok) this.towards('down', this.fall, 'going-down', now);
        return;
      case 'going-down':
        if (ok) this.set('up', now);
        else this.towards('down', this.fall, 'going-down', now);
        return;
      case 'down':
        if (ok) this.towards('up', this.rise, 'going-up', now);
        return;
      case 'going-up':
        if (ok) this.towards('up', this.rise, 'going-up', now);
        else this.set('down', now);
        return;
    }
  }

  /** A passive check: a refused connection proves the process is gone, no need to wait for `fall` pings. */
  markDown(now = Date.now()): void {
    this.set('down', now);
  }

  private towards(target: 'up' | 'down', needed: number, between: BalancerCheckStatus, now: number): void {
    const streak = this.status === between ? this.streak + 1 : 1;
    if (streak >= needed) {
      this.set(target, now);
      return;
    }
    this.set(between, now);
    this.streak = streak;
  }

  private set(status: BalancerCheckStatus, now: number): void {
    if (status !== this.status && (status === 'up' || status === 'down')) this.changedAt = now;
    this.status = status;
    this.streak = 0;
  }
}
