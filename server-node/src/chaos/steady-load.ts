import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateTaskResultDto } from '../api/index.js';
import type { ApiAnswer, ChaosCluster } from './chaos-cluster.js';

/** No answer within this is a hang: longer than any timeout a node has of its own (10 s per query). */
const HANG_MS = 12_000;

export type RequestOutcome = 'ok' | 'refused' | 'failed';

export interface RequestRecord {
  /** Date.now() when the request was sent. */
  at: number;
  ms: number;
  what: string;
  status: number;
  /** The node that answered (x-flotilla-node), null for the balancer itself or no answer. */
  node: string | null;
  outcome: RequestOutcome;
  detail: string;
}

export interface LoadOptions {
  /** Users, each sending one request after another with a pause between. */
  users: number;
  pauseMs: number;
  /** One task queued every this many ms. */
  taskEveryMs: number;
  /** The script every task runs (the witness). */
  script: string;
  /** Every this many tasks, one is a `noop` of this many ms instead (a second kind, requeued on node loss). */
  noop?: { every: number; sleepMs: number };
}

/**
 * Steady load through the balancer, as users and a CI server would make it: users reading the nodes,
 * the queue and recent tasks with their logs, and one producer queueing a task at a steady rate.
 * Every request is recorded. A 503 with an error body is a deliberate refusal (the cluster said it
 * cannot serve now); anything else that is not a 2xx, a broken connection or a hang is a failed request.
 */
export class SteadyLoad {
  /** The script tasks queued (201), which the witness watches. */
  readonly taskIds: string[] = [];
  readonly noopTaskIds: string[] = [];
  readonly records: RequestRecord[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.loops = [
      this.producer(),
      ...Array.from({ length: this.options.users }, (_, user) => this.user(user)),
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async producer(): Promise<void> {
    const { noop } = this.options;
    for (let n = 1; !this.stopped; n++) {
      const started = performance.now();
      const isNoop = noop !== undefined && n % noop.every === 0;
      const answer = await this.send<CreateTaskResultDto>(
        'queue a task',
        'POST',
        '/api/tasks',
        isNoop
          ? { kind: 'noop', args: { sleepMs: noop.sleepMs }, description: 'chaos load' }
          : { kind: 'script', args: { script: this.options.script }, description: 'chaos load' },
      );
      if (answer?.status === 201) (isNoop ? this.noopTaskIds : this.taskIds).push(answer.body.id);
      await sleep(Math.max(0, this.options.taskEveryMs - (performance.now() - started)));
    }
  }

  private async user(user: number): Promise<void> {
    for (let step = user; !this.stopped; step++) {
      const recent = this.taskIds.at(-1 - (step % 3));
      const reads: [string, string][] = [
        ['list nodes', '/api/nodes'],
        ['list tasks', '/api/tasks?limit=20'],
        ['read the cluster', '/api/cluster'],
        ...(recent
          ? ([
              ['read a task', `/api/tasks/${recent}`],
              ['read a task log', `/api/tasks/${recent}/log`],
            ] as [string, string][])
          : []),
      ];
      const [what, urlPath] = reads[step % reads.length]!;
      await this.send(what, 'GET', urlPath);
      await sleep(this.options.pauseMs);
    }
  }

  private async send<T>(what: string, method: string, urlPath: string, body?: unknown) {
    const at = Date.now();
    const started = performance.now();
    let answer: ApiAnswer<T> | null = null;
    let failure = '';
    try {
      answer = await this.cluster.api<T>(method, urlPath, body, { timeoutMs: HANG_MS });
    } catch (error) {
      const name = (error as Error).name;
      failure = name === 'TimeoutError' ? `no answer within ${HANG_MS} ms` : String((error as Error).message);
    }
    const record: RequestRecord = {
      at,
      ms: Math.round(performance.now() - started),
      what,
      status: answer?.status ?? 0,
      node: answer?.node ?? null,
      outcome: answer ? classify(answer) : 'failed',
      detail: answer ? describe(answer) : failure,
    };
    this.records.push(record);
    return answer;
  }
}

function classify(answer: ApiAnswer): RequestOutcome {
  if (answer.status >= 200 && answer.status < 300) return 'ok';
  const error = (answer.body as { error?: unknown } | null)?.error;
  if (answer.status === 503 && typeof error === 'string' && error !== '') return 'refused';
  return 'failed';
}

function describe(answer: ApiAnswer): string {
  const error = (answer.body as { error?: unknown } | null)?.error;
  const text = typeof error === 'string' ? error : typeof answer.body === 'string' ? answer.body : '';
  return `${answer.status}${answer.node ? ` from ${answer.node}` : ''}: ${text.slice(0, 160)}`;
}
