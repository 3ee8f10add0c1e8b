import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosCluster } from './chaos-cluster.js';

export interface PingChange {
  /** Date.now() when the answer came. */
  at: number;
  /** HTTP status, or 0 when the node did not answer. */
  status: number;
  state: string;
  reason: string | null;
}

/**
 * Asks one node's ping every 100 ms, as a balancer would, and keeps every change of answer: when the
 * node started to refuse users (503), what it said, and when it served again.
 */
export class PingWatch {
  readonly changes: PingChange[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly cluster: ChaosCluster,
    readonly node: string,
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** The first answer other than 200 at or after `since`. */
  firstRefusal(since: number): PingChange | undefined {
    return this.changes.find((change) => change.at >= since && change.status !== 200);
  }

  /** The first 200 at or after `since`. */
  firstServing(since: number): PingChange | undefined {
    return this.changes.find((change) => change.at >= since && change.status === 200);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const ping = await this.cluster.ping(this.node);
      const body = ping?.body as { state?: string; reason?: string } | undefined;
      const change: PingChange = {
        at: Date.now(),
        status: ping?.status ?? 0,
        state: body?.state ?? 'no answer',
        reason: body?.reason ?? null,
      };
      const last = this.changes.at(-1);
      if (
        !last ||
        last.status !== change.status ||
        last.state !== change.state ||
        last.reason !== change.reason
      )
        this.changes.push(change);
      await sleep(100);
    }
  }
}
