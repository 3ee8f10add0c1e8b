import type pg from 'pg';
import type { Logger } from 'pino';
import type { ClusterSettings, PingDto } from '../api/index.js';
import { checkSettings, resolveSettings } from '../config/cluster-settings.js';
import type { NodeConfig } from '../config/node-config.js';
import { masterKeyMatches } from '../cluster/master-key.js';
import { SecretBox } from '../crypto/secret-box.js';
import { platformProblem } from '../cluster/shared-path-platform.js';
import { runDirectoryCheckIfDue } from '../auth/directory-check.js';
import { checkSentinel } from '../cluster/shared-storage.js';
import { joinUnderContractGate } from '../db/contract-gate.js';
import { migrate } from '../db/migrate.js';
import { schemaRefusal } from '../db/schema-bookkeeping.js';
import { connectOrExplain, createPool } from '../db/pool.js';
import { readClusterRow } from '../sql/cluster-row.js';
import { heartbeat, markNodeStopped, registerNode, releaseLeaderLease } from '../sql/node-lifecycle.js';
import { reportNodeStates } from '../sql/node-rows.js';
import { recoverLostTasks } from '../sql/recover-lost-tasks.js';
import { killLeftoverScripts } from '../tasks/script-task.js';
import { recoveryPolicies } from '../tasks/task-kinds.js';
import { UserError } from '../user-error.js';
import { VERSION } from '../version.js';
import { LeaderLoop } from './leader-loop.js';
import type { NodeMetrics } from './node-metrics.js';
import { createNodeMetrics } from './node-metrics.js';
import { NodeHealth } from './node-health.js';
import { NotificationListener } from './notification-listener.js';
import { createProcessStats } from './process-stats.js';
import { Worker } from './worker.js';

/**
 * How long a clean shutdown lets running tasks finish before handing them back to the queue.
 * (A planned restart drains first; this only bounds an unplanned SIGTERM.)
 */
const SHUTDOWN_GRACE_MS = Number(process.env.FLOTILLA_SHUTDOWN_GRACE_MS ?? 10_000);

/**
 * The most connections a node opens to PostgreSQL with the default settings: its main pool (API,
 * worker, tasks; flotilla.json `dbPool.max`), one for heartbeats so a busy pool never starves them,
 * and one held open for LISTEN. Plan the server's `max_connections` as nodes × total, plus the
 * console and the balancer's few. At rest the main pool's idle connections close (`dbPool.idleMs`)
 * and a node holds at most `atRest` (bench:scale measures it).
 */
export const NODE_CONNECTIONS = { main: 10, heartbeat: 1, listen: 1, total: 12, atRest: 4 } as const;

/** The main pool's settings when flotilla.json has no `dbPool`. */
const DB_POOL_DEFAULTS = { max: NODE_CONNECTIONS.main, idleMs: 5000 } as const;

/** The most connections a node with this config opens: its main pool, plus heartbeat and LISTEN. */
export function nodeConnectionsAtMost(config: Pick<NodeConfig, 'dbPool'>): number {
  return (config.dbPool?.max ?? DB_POOL_DEFAULTS.max) + NODE_CONNECTIONS.heartbeat + NODE_CONNECTIONS.listen;
}

/** How often a node whose contract migrations wait for old nodes tries them again. */
const CONTRACT_RETRY_MS = 2000;
/** How often a node asks whether the re-check of directory users is due (the interval itself is a setting). */
const DIRECTORY_CHECK_POLL_MS = 30_000;

/**
 * One server node: checks it belongs to the cluster (schema, master key, shared storage), registers,
 * then heartbeats, claims and runs tasks, and takes its turn at the leader's jobs. The HTTP server
 * is built on top of it (http/server.ts).
 */
export class NodeRuntime {
  /** The one pool the API, the worker and every task share (see NODE_CONNECTIONS). */
  readonly pool: pg.Pool;
  readonly secrets: SecretBox;
  /** A pool of its own for heartbeats, so a busy main pool can never starve them. */
  private readonly heartbeatPool: pg.Pool;
  /**
   * Where migrations run: their lock is held by a session. The main pool, unless `dbUrl` goes through a
   * pooler in transaction mode (`dbSessionUrl` set): then one connection on the session URL, opened
   * only while migrations run.
   */
  private readonly migrationPool: pg.Pool;
  readonly metrics: NodeMetrics = createNodeMetrics();
  readonly listener: NotificationListener;
  readonly worker: Worker;
  private leader!: LeaderLoop;
  settings!: ClusterSettings;
  clusterId = '';
  sharedDir = '';
  taskCap = 0;
  draining = false;
  fenced = false;
  stopping = false;
  started = false;
  private lastHeartbeatOk = 0;
  private lastHeartbeatError: string | null = null;
  /** Since when heartbeats have reached the database without a failure (performance.now()). */
  private inContactSince = 0;
  /** Whether the node can serve: database, pool, shared folder (the ping and the request gate read it). */
  readonly health: NodeHealth;
  /** This build's contracts that wait for old nodes, and what was last said about them. */
  private contractsWaiting = false;
  private contractsReport = '';
  /** Set when the node came back to a schema contracted past its version: it stays fenced. */
  private contractedPast: string | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stats = createProcessStats();
  /** HTTP connections open on this node; the server that serves it sets this (run-command.ts). */
  openConnections: () => Promise<number> = () => Promise.resolve(0);

  constructor(
    readonly config: NodeConfig,
    readonly home: string,
    readonly log: Logger,
  ) {
    const poolMax = config.dbPool?.max ?? DB_POOL_DEFAULTS.max;
    const pooled = config.dbSessionUrl !== undefined;
    this.pool = createPool(config.dbUrl, {
      max: poolMax,
      idleMs: config.dbPool?.idleMs ?? DB_POOL_DEFAULTS.idleMs,
      log,
      pooled,
    });
    // Past a pooler too: a heartbeat queued behind the whole cluster's work there would fence the node.
    this.heartbeatPool = createPool(config.dbSessionUrl ?? config.dbUrl, {
      max: NODE_CONNECTIONS.heartbeat,
      log,
      queryTimeoutMs: 2000,
    });
    this.migrationPool = config.dbSessionUrl
      ? createPool(config.dbSessionUrl, { max: 1, idleMs: 1000, log })
      : this.pool;
    this.secrets = new SecretBox(config.masterKey);
    this.listener = new NotificationListener(config.dbSessionUrl ?? config.dbUrl, log);
    this.health = new NodeHealth({
      node: config.name,
      pool: this.pool,
      poolMax,
      heartbeatMs: () => this.settings.heartbeatMs,
      heartbeat: () => ({ okAt: this.lastHeartbeatOk, error: this.lastHeartbeatError }),
      shared: () => ({ dir: this.sharedDir, clusterId: this.clusterId }),
      log,
    });
    this.worker = new Worker({
      db: this.pool,
      node: config.name,
      home,
      services: () => ({ db: this.pool, secrets: this.secrets, sharedDir: this.sharedDir }),
      log,
      metrics: this.metrics,
      capacity: () => ({
        // The cluster-wide pause is checked by the claim statement itself, so a resume takes effect at once.
        // A node that cannot use the shared folder takes no work: its tasks' logs would be lost.
        canClaim: !this.fenced && !this.stopping && !this.draining && !this.health.sharedStorageProblem(),
        taskCap: this.taskCap,
      }),
      logStorageProblem: () => this.health.sharedStorageProblem() ?? this.health.sharedStorageFull(),
      checkShared: (dir) => checkSentinel(dir, this.clusterId),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** 200 while the node can serve users; 503 with the state (and for a fault, the reason) otherwise. */
  ping(): { status: number; body: PingDto } {
    const problem = this.started && !this.stopping ? this.health.problem() : null;
    const state: PingDto['state'] = this.stopping
      ? 'stopping'
      : !this.started
        ? 'starting'
        : this.fenced
          ? 'fenced'
          : problem
            ? 'unhealthy'
            : this.draining
              ? 'draining'
              : 'running';
    const reason =
      state === 'fenced'
        ? `fenced: no heartbeat reached the database for ${this.settings.fenceAfterMs / 1000} s, so this node ` +
          `stopped its work before its peers could take it over${problem ? ` (${problem})` : ''}`
        : state === 'unhealthy'
          ? problem
          : null;
    return {
      status: state === 'running' ? 200 : 503,
      body: { name: this.name, state, version: VERSION, ...(reason ? { reason } : {}) },
    };
  }

  /** Why requests that need the database cannot be served right now (they get a 503 at once), or null. */
  databaseProblem(): string | null {
    return this.started && !this.stopping ? this.health.databaseProblem() : null;
  }

  /** Every check a node makes before it may join; each failure says what to do. */
  async checkCluster(): Promise<void> {
    await connectOrExplain(this.pool, this.config.dbUrl);
    if (this.config.dbSessionUrl) await connectOrExplain(this.migrationPool, this.config.dbSessionUrl);
    const migrated = await migrate(this.migrationPool, { node: this.name, log: this.log });
    this.contractsWaiting = migrated.waiting.length > 0;
    this.contractsReport = JSON.stringify(migrated.waiting);
    const cluster = await readClusterRow(this.pool);
    if (!cluster) {
      throw new UserError(
        `The database holds no Flotilla cluster. Run 'flotilla-node init' for the first node.`,
      );
    }
    if (!masterKeyMatches(this.config.masterKey, cluster.cluster_id, cluster.master_key_check)) {
      throw new UserError(
        `This node's master key does not match cluster ${cluster.cluster_id}. Every node needs the same master key: ` +
          `copy it from the first node's flotilla.json (masterKey) and run 'flotilla-node init' again with --master-key.`,
      );
    }
    // The shared folder is one path for the cluster: a node on the other platform must not run.
    const platform = platformProblem(cluster.shared_dir);
    if (platform) throw new UserError(platform);
    const sentinelProblem = await checkSentinel(cluster.shared_dir, cluster.cluster_id);
    if (sentinelProblem) throw new UserError(sentinelProblem);
    // Started here, before the node registers, so a URL on which notifications never arrive stops it cleanly.
    await this.listener.start();
    await this.listener.verify(this.pool);
    this.clusterId = cluster.cluster_id;
    this.sharedDir = cluster.shared_dir;
    this.settings = resolveSettings(cluster.settings);
    // A fencing delay at or past the dead delay would let a peer take over work its owner still runs.
    const unsafe = checkSettings(this.settings);
    if (unsafe)
      throw new UserError(`The cluster's timing settings are unsafe: ${unsafe}. Correct cluster.settings.`);
  }

  /** Joins the cluster and starts working. `checkCluster()` must have passed. */
  async start(): Promise<void> {
    const leftovers = await killLeftoverScripts(this.home);
    if (leftovers > 0) this.log.warn({ leftovers }, 'stopped scripts left by a previous run of this node');

    // Registered in one transaction with the check that no contract removed what this version uses.
    const registered = await joinUnderContractGate(this.pool, { name: this.name, version: VERSION }, (db) =>
      registerNode(db, { name: this.name, url: this.config.publicUrl, version: VERSION }),
    );
    if (!registered.registered) {
      throw new UserError(
        `A node named '${this.name}' is already running (at ${registered.conflict?.url}, last seen ` +
          `${registered.conflict?.lastSeenAgeMs} ms ago). Stop it first, or give this node another name.`,
      );
    }
    // Whatever the previous run of this node left executing died with it.
    await recoverLostTasks(this.pool, recoveryPolicies(), `${this.name} (restart)`, this.name);
    await reportNodeStates(this.pool);
    await this.beat();

    this.leader = new LeaderLoop(
      this.pool,
      this.name,
      this.settings,
      this.log,
      () => performance.now() - this.inContactSince,
    );
    this.listener.on('flotilla_tasks', () => this.worker.wake());
    this.listener.on('flotilla_nodes', (name) => {
      if (name === this.name || name === '') void this.beat();
    });
    this.listener.on('flotilla_cancel', () => void this.worker.checkCancelRequests().catch(() => undefined));

    this.every(this.settings.heartbeatMs, () => this.beat());
    this.every(this.settings.pollMs, () => {
      this.worker.wake();
      return this.worker.checkCancelRequests();
    });
    this.every(this.settings.sweepMs, () => (this.fenced ? Promise.resolve() : this.leader.tick()));
    this.every(CONTRACT_RETRY_MS, () => this.retryContracts());
    // Directory users: one node per interval (the setting) checks them against the directory.
    this.every(DIRECTORY_CHECK_POLL_MS, async () => {
      const checked = await runDirectoryCheckIfDue(this.pool, this.secrets);
      if (checked && (checked.refused.length > 0 || checked.changed.length > 0))
        this.log.info(checked, 'directory users checked');
    });
    this.timers.add(
      setInterval(
        () => {
          this.checkFence();
          this.health.tick();
        },
        Math.min(250, this.settings.heartbeatMs / 2),
      ),
    );
    this.started = true;
    this.worker.wake();
    this.log.info({ name: this.name, cluster: this.clusterId, sharedDir: this.sharedDir }, 'node started');
  }

  /** Runs `job` every `ms`, never overlapping itself; failures are logged, not fatal. */
  private every(ms: number, job: () => Promise<unknown>): void {
    const schedule = () => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void run();
      }, ms);
      this.timers.add(timer);
    };
    const run = async () => {
      try {
        await job();
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'periodic job failed');
      }
      if (!this.stopping) schedule();
    };
    schedule();
  }

  private async beat(): Promise<void> {
    try {
      const result = await heartbeat(this.heartbeatPool, this.name, this.stats());
      // Back in touch after a failure: the contact that counts for judging peers starts now.
      if (this.lastHeartbeatError !== null || this.inContactSince === 0)
        this.inContactSince = performance.now();
      this.lastHeartbeatOk = performance.now();
      this.lastHeartbeatError = null;
      if (!result) {
        // Our row is gone (deleted while we were unreachable) or marked stopped: join again.
        if (!this.stopping) await this.rejoin();
        return;
      }
      const wasDraining = this.draining;
      this.taskCap = result.taskCap;
      this.draining = result.draining;
      this.metrics.taskCap.set(this.taskCap);
      this.metrics.running.set(this.worker.running.size);
      this.metrics.leader.set(this.leader?.isLeader ? 1 : 0);
      if (this.fenced) await this.unfence();
      await this.worker.retryUnrecorded();
      if (wasDraining && !this.draining) this.worker.wake();
    } catch (error) {
      this.lastHeartbeatError = (error as Error).message;
      this.metrics.heartbeatFailures.inc();
      this.log.warn({ err: (error as Error).message }, 'heartbeat failed');
    }
  }

  private async rejoin(): Promise<void> {
    this.log.warn('node row missing or stopped; registering again');
    await joinUnderContractGate(this.pool, { name: this.name, version: VERSION }, (db) =>
      registerNode(db, { name: this.name, url: this.config.publicUrl, version: VERSION }),
    );
    await reportNodeStates(this.pool);
  }

  /**
   * Self-fencing: without a heartbeat for fenceAfterMs, peers will soon declare this node dead and
   * hand its tasks to others. Stop claiming and abort running attempts before that can happen.
   */
  private checkFence(): void {
    if (this.fenced || this.stopping) return;
    const silentMs = performance.now() - this.lastHeartbeatOk;
    if (silentMs < this.settings.fenceAfterMs) return;
    this.fenced = true;
    this.metrics.fenced.set(1);
    this.log.error(
      { silentMs: Math.round(silentMs) },
      'no heartbeat reached the database: fencing this node',
    );
    this.worker.stopAll('fence');
  }

  /**
   * Contracts that waited for old nodes: tried again (never waiting for the lock: another node may
   * be at it) until none is left. What holds them is logged when it changes.
   */
  private async retryContracts(): Promise<void> {
    if (!this.contractsWaiting || this.fenced) return;
    const result = await migrate(this.migrationPool, { node: this.name, wait: false });
    if (!result.ran) return;
    this.contractsWaiting = result.waiting.length > 0;
    for (const name of result.applied) this.log.info({ migration: name }, `applied ${name}`);
    const report = JSON.stringify(result.waiting);
    if (report !== this.contractsReport && result.waiting.length > 0)
      this.log.warn({ waiting: result.waiting }, 'contract migrations still wait for old nodes');
    this.contractsReport = report;
  }

  /** Back in touch with the database: hand back what fencing stopped, then take work again. */
  private async unfence(): Promise<void> {
    // Away long enough to be declared dead, a contract may have removed what this version uses.
    const refusal = await schemaRefusal(this.pool, VERSION, this.name);
    if (refusal) {
      if (this.contractedPast !== refusal)
        this.log.error({ refusal }, 'the schema no longer serves this node: it stays fenced');
      this.contractedPast = refusal;
      return;
    }
    await this.worker.settled();
    await this.worker.retryUnrecorded();
    const recovered = await recoverLostTasks(
      this.pool,
      recoveryPolicies(),
      `${this.name} (after fencing)`,
      this.name,
    );
    this.fenced = false;
    this.metrics.fenced.set(0);
    this.log.warn({ handedBack: recovered.length }, 'heartbeats reach the database again: node unfenced');
    this.worker.wake();
  }

  private async endPools(): Promise<void> {
    const pools = new Set([this.pool, this.heartbeatPool, this.migrationPool]);
    await Promise.all([...pools].map((pool) => pool.end()));
  }

  /** Clean shutdown: stop taking work, let running tasks finish (bounded), hand back the rest, go offline. */
  async stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (!this.started) {
      // Never joined (a check failed): nothing to hand back, and the node row may be another process's.
      await this.listener.stop();
      await this.endPools();
      return;
    }
    const grace = setTimeout(() => this.worker.stopAll('shutdown'), graceMs);
    await this.worker.settled();
    clearTimeout(grace);
    await this.listener.stop();
    try {
      await recoverLostTasks(this.pool, recoveryPolicies(), `${this.name} (shutdown)`, this.name);
      await markNodeStopped(this.pool, this.name);
      await releaseLeaderLease(this.pool, this.name);
      await reportNodeStates(this.pool);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not record the shutdown in the database');
    }
    await this.endPools();
  }
}
