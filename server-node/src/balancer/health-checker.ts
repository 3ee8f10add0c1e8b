import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BalancerMember } from './balancer-member.js';
import type { CheckResult } from './member-health.js';

export interface HealthCheckOptions {
  /** Time from one check's start to the next one's. */
  intervalMs: number;
  /** A ping slower than this counts as failed. */
  timeoutMs: number;
}

/**
 * The same rules as the HAProxy config the console renders (`inter` 500 ms, fall 2, rise 2). The timeout
 * is generous because a node under heavy load answers slowly but is alive; a crashed one refuses at once.
 * Beyond HAProxy: a ping that only ran out of time while the node kept answering proxied requests counts
 * as good — on a saturated machine the pings queue behind the users' requests, and taking every busy
 * node out of rotation would turn a slow cluster into one that answers 503.
 */
export const HEALTH_CHECK: HealthCheckOptions = { intervalMs: 500, timeoutMs: 1000 };

/** Pings one member (GET /api/nodes/ping) on its own schedule and feeds the answers to its health. */
export class HealthChecker {
  private readonly stopped = new AbortController();
  private firstChecked!: () => void;
  /** Resolves once the first check has an answer, so a starting balancer knows who is up before it listens. */
  readonly firstCheck = new Promise<void>((resolve) => (this.firstChecked = resolve));

  constructor(
    private readonly member: BalancerMember,
    private readonly options: HealthCheckOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped.abort();
    this.firstChecked();
  }

  private async loop(): Promise<void> {
    const { health, name } = this.member;
    while (!this.stopped.signal.aborted) {
      const startedAt = Date.now();
      const { result, detail } = await this.check();
      if (this.stopped.signal.aborted) return;
      const before = health.status;
      if (result !== 'ok') this.log.debug({ member: name, result, detail }, 'member check not passed');
      health.record(result);
      this.firstChecked();
      if (health.status !== before && (health.status === 'up' || health.status === 'down')) {
        this.log.info({ member: name, from: before, to: health.status, detail }, 'member health changed');
      }
      const wait = this.options.intervalMs - (Date.now() - startedAt);
      await sleep(Math.max(0, wait), undefined, { signal: this.stopped.signal }).catch(() => undefined);
    }
  }

  /** One check: the ping's answer, unless it only ran out of time while the node kept answering requests. */
  private async check(): Promise<{ result: CheckResult; detail: string }> {
    const sentAt = Date.now();
    const answer = await this.ping();
    if (answer.timedOut && this.member.lastAnsweredAt >= sentAt) {
      // Alive; whether it wants new users (a drain's 503) is what its last answered ping said.
      const result = this.member.health.notReady ? 'not-ready' : 'ok';
      return { result, detail: `${answer.detail}, but it answered requests meanwhile` };
    }
    return answer;
  }

  /** A fresh connection each time (like HAProxy), so a dead process shows as a refused connection. */
  private ping(): Promise<{ result: CheckResult; detail: string; timedOut: boolean }> {
    return new Promise((resolve) => {
      let timedOut = false;
      const request = http.get(
        `${this.member.url}/api/nodes/ping`,
        { agent: false, signal: this.stopped.signal },
        (response) => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          const result = status === 200 ? 'ok' : status === 503 ? 'not-ready' : 'failed';
          if (status === 200) {
            response.resume();
            resolve({ result, detail: '200', timedOut: false });
            return;
          }
          // The node says why it is not ready (its state and reason): worth a line in the balancer's log.
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text = (text + chunk).slice(0, 1000)));
          response.on('end', () => resolve({ result, detail: `${status} ${text}`, timedOut: false }));
          response.on('error', () => resolve({ result, detail: `${status}`, timedOut: false }));
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      request.on('error', (error) => {
        clearTimeout(timer);
        resolve({ result: 'failed', detail: error.message, timedOut });
      });
    });
  }
}
