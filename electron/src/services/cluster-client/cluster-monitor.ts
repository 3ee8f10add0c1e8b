import type { EventDto, NodeDto } from '@flotilla/server-node/api';
import type {
  ClusterSnapshotDto,
  ConnectionDto,
  ConsoleRole,
  MetricsPointDto,
} from '../../common/contract.js';
import { readBalancerStats, type BalancerOutcome, type BalancerReader } from './balancer-stats.js';
import type { ClusterApi } from './cluster-api.js';
import { ClusterEventStream, type EventStreamStatus } from './cluster-event-stream.js';

export interface ClusterMonitorOptions {
  clusterId: string;
  api: ClusterApi;
  role?: ConsoleRole;
  /** How often nodes, queue and balancer are sampled (heartbeat age, CPU and memory change without events). */
  sampleMs?: number;
  /** Points kept for the charts: 10 minutes at one a second. */
  historyLimit?: number;
  eventsLimit?: number;
  onSnapshot: (snapshot: ClusterSnapshotDto) => void;
  onEvent: (event: EventDto) => void;
  /** The cluster's balancer; default: the built-in one, through the cluster URL. */
  balancer?: BalancerReader;
  /** The node URLs changed: worth saving, so the next start can reach the cluster without its balancer. */
  onNodeUrls?: (urls: string[]) => void;
}

/** How long after the last failure the balancer's stats endpoint is asked again, when it has none. */
const BALANCER_RETRY_MS = 10_000;
/** Events that change what the nodes table or the queue shows: refresh at once instead of at the next sample. */
const REFRESHING_EVENTS = new Set<EventDto['type']>([
  'node.joined',
  'node.state',
  'node.updated',
  'node.deleted',
  'cluster.updated',
]);

/**
 * Watches the active cluster for the console: follows its event stream and samples it every second,
 * keeping the history the charts draw, and pushes a snapshot after every change. The UI never polls:
 * it receives these snapshots (SSE → console process → UI).
 */
export class ClusterMonitor {
  private readonly stream: ClusterEventStream;
  private readonly points: MetricsPointDto[] = [];
  private readonly events: EventDto[] = [];
  private timer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> | null = null;
  /** A change arrived while a sample was under way, which may have read the cluster before it. */
  private resample = false;
  private stopped = false;
  private finishedSincePoint = 0;
  private failedSincePoint = 0;
  private knownNodeUrls = '';
  private balancerRetryAt = 0;
  private learningRole: Promise<ConsoleRole | null> | null = null;
  private current: ClusterSnapshotDto;

  constructor(private readonly options: ClusterMonitorOptions) {
    this.current = {
      clusterId: options.clusterId,
      connection: {
        state: 'connecting',
        via: null,
        error: null,
        lastEventId: null,
        role: options.role ?? null,
      },
      cluster: null,
      nodes: [],
      balancer: null,
      balancerError: null,
      point: null,
    };
    this.stream = new ClusterEventStream(options.api, {
      onEvent: (event) => this.onEvent(event),
      onReset: () => this.refreshSoon(),
      onStatus: (status) => this.onStreamStatus(status),
    });
  }

  start(): void {
    this.stream.start();
    void this.role();
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), this.options.sampleMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.stream.stop();
    await this.sampling;
  }

  snapshot(): ClusterSnapshotDto {
    return this.current;
  }

  /**
   * What this API key may do (its user's role), asked of the cluster until it answers, so the UI
   * disables what the role may not use, with the reason. Null while the cluster cannot say: then
   * nothing is allowed, and every sample asks again.
   */
  role(): Promise<ConsoleRole | null> {
    const known = this.current.connection.role;
    if (known) return Promise.resolve(known);
    this.learningRole ??= this.learnRole().finally(() => (this.learningRole = null));
    return this.learningRole;
  }

  private async learnRole(): Promise<ConsoleRole | null> {
    const me = await this.options.api.me().catch(() => null);
    const role = me?.user.role ?? null;
    if (role && !this.stopped && role !== this.current.connection.role) {
      this.current = { ...this.current, connection: { ...this.current.connection, role } };
      this.options.onSnapshot(this.current);
    }
    return role;
  }

  history(): MetricsPointDto[] {
    return [...this.points];
  }

  recentEvents(): EventDto[] {
    return [...this.events];
  }

  /**
   * Samples at once (after an action, or an event that changes the nodes), at most once per 50 ms.
   * When a sample is already under way, another follows it: that one may have read the nodes before
   * the change, and the next regular sample is up to `sampleMs` away.
   */
  refreshSoon(): void {
    if (this.refreshTimer || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (this.sampling) this.resample = true;
      else this.sampleNow();
    }, 50);
  }

  private onEvent(event: EventDto): void {
    this.events.push(event);
    if (this.events.length > (this.options.eventsLimit ?? 200)) this.events.shift();
    if (event.type === 'task.finished') {
      this.finishedSincePoint++;
      if (event.data.state === 'failed') this.failedSincePoint++;
    }
    this.options.onEvent(event);
    if (REFRESHING_EVENTS.has(event.type)) this.refreshSoon();
  }

  private onStreamStatus(status: EventStreamStatus): void {
    if (status.state === 'stopped') return;
    const connection: ConnectionDto = {
      ...this.current.connection,
      state: status.state,
      via: status.via,
      error: status.error ?? (status.state === 'connected' ? null : this.current.connection.error),
      lastEventId: status.lastEventId,
    };
    this.publish({ ...this.current, connection });
  }

  private sampleNow(): void {
    // One sample at a time: a slow cluster must not pile up requests.
    if (this.sampling || this.stopped) return;
    this.sampling = this.sample().finally(() => {
      this.sampling = null;
      if (!this.resample) return;
      this.resample = false;
      this.sampleNow();
    });
  }

  private async sample(): Promise<void> {
    const { api } = this.options;
    if (!this.current.connection.role) void this.role();
    const [nodes, cluster, balancer] = await Promise.allSettled([
      api.listNodes(),
      api.getCluster(),
      this.sampleBalancer(),
    ]);
    if (this.stopped) return;
    const next: ClusterSnapshotDto = { ...this.current };
    if (nodes.status === 'fulfilled') {
      next.nodes = nodes.value;
      this.learnNodeUrls(nodes.value);
    }
    if (cluster.status === 'fulfilled') next.cluster = cluster.value;
    const failure = [nodes, cluster].find((outcome) => outcome.status === 'rejected');
    if (failure) {
      next.connection = {
        ...next.connection,
        error: String((failure.reason as Error).message ?? failure.reason),
      };
      if (next.connection.state === 'connected') next.connection.state = 'reconnecting';
    } else if (next.connection.state !== 'connected' || next.connection.error) {
      next.connection = { ...next.connection, error: null };
    }
    if (balancer.status === 'fulfilled' && balancer.value !== undefined) {
      next.balancer = balancer.value.stats;
      next.balancerError = balancer.value.error;
    }
    if (nodes.status === 'fulfilled' && cluster.status === 'fulfilled') next.point = this.addPoint(next);
    this.publish(next);
  }

  /** undefined: not asked this time (keep what we had). */
  private async sampleBalancer(): Promise<BalancerOutcome | undefined> {
    if (Date.now() < this.balancerRetryAt) return undefined;
    const { api, balancer } = this.options;
    const outcome = await readBalancerStats(
      balancer ?? { kind: 'builtin', stats: () => api.balancerStats() },
    );
    if (outcome.stats === null) this.balancerRetryAt = Date.now() + BALANCER_RETRY_MS;
    return outcome;
  }

  private addPoint(snapshot: ClusterSnapshotDto): MetricsPointDto {
    const point: MetricsPointDto = {
      at: Date.now(),
      nodes: Object.fromEntries(
        snapshot.nodes.map((node) => [
          node.name,
          {
            state: node.state,
            cpu: node.cpu,
            rssBytes: node.rssBytes,
            running: node.runningTasks,
            taskCap: node.taskCap,
          },
        ]),
      ),
      queued: snapshot.cluster?.queue.queued ?? 0,
      executing: snapshot.cluster?.queue.executing ?? 0,
      finished: this.finishedSincePoint,
      failed: this.failedSincePoint,
      balancer: snapshot.balancer
        ? Object.fromEntries(
            snapshot.balancer.servers.map((server) => [
              server.name,
              {
                sessions: server.currentSessions,
                requestRate: server.requestRate,
                adminState: server.adminState,
              },
            ]),
          )
        : null,
    };
    this.finishedSincePoint = 0;
    this.failedSincePoint = 0;
    this.points.push(point);
    if (this.points.length > (this.options.historyLimit ?? 600)) this.points.shift();
    return point;
  }

  private learnNodeUrls(nodes: NodeDto[]): void {
    const urls = nodes.filter((node) => node.state !== 'dead').map((node) => node.url);
    const key = urls.join(' ');
    if (key === this.knownNodeUrls) return;
    this.knownNodeUrls = key;
    this.options.api.http.setNodeUrls(nodes.map((node) => node.url));
    this.options.onNodeUrls?.(nodes.map((node) => node.url));
  }

  private publish(snapshot: ClusterSnapshotDto): void {
    this.current = snapshot;
    if (!this.stopped) this.options.onSnapshot(snapshot);
  }
}
