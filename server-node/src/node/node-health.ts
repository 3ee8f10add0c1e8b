import { mkdir, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { checkSentinel } from '../cluster/shared-storage.js';

/** Where each node writes its probe file in the shared folder (its name; peers can see who shares it). */
export const PROBE_FOLDER = '.flotilla-probe';
/** How often the shared folder is checked (sentinel read, a small write, free space). */
const SHARED_PROBE_MS = 1000;
/** A probe of the shared folder still pending after this long means the share hangs (a dead NFS server). */
const SHARED_HANG_MS = 5000;
/** Less free space than this on the shared folder: task logs cannot be written, tasks fail at once. */
export const SHARED_MIN_FREE_BYTES = 1024 * 1024;
/**
 * The pool counts as exhausted when requests have waited for a connection without a break this long and
 * no request got one in that time: connections held by long queries or locks, not a busy node working
 * through a queue (a node under heavy load that answers 503 to its ping would take itself out of the
 * balancer, and with its peers equally busy, the whole cluster).
 */
const POOL_EXHAUSTED_MS = 1000;
/** Heartbeats missed before the node says the database is unreachable (it fences later, at fenceAfterMs). */
const SILENT_HEARTBEATS = 2.5;

export interface HealthSources {
  node: string;
  /** The main pool (API, worker, tasks) and its size. */
  pool: pg.Pool;
  poolMax: number;
  heartbeatMs: () => number;
  /** performance.now() of the last heartbeat the database accepted, and the last failure's message. */
  heartbeat: () => { okAt: number; error: string | null };
  shared: () => { dir: string; clusterId: string };
  log: Logger;
}

/**
 * What the node knows about its own ability to serve, kept current in the background so the ping and
 * every request read it at no cost: whether the database answers its heartbeats, whether its pool has
 * a connection to give, whether the shared folder is the cluster's and writable, and whether it is full.
 * A problem is one sentence that says what is wrong and what to do; the ping answers 503 with it.
 */
export class NodeHealth {
  private saturatedSince: number | null = null;
  /** performance.now() when the pool last handed a connection to a request. */
  private lastAcquiredAt = performance.now();
  private sharedProblem: string | null = null;
  private sharedFull: string | null = null;
  private probeStartedAt: number | null = null;
  private lastProbeAt = -Infinity;

  constructor(private readonly sources: HealthSources) {
    sources.pool.on('acquire', () => (this.lastAcquiredAt = performance.now()));
  }

  /** Called every few hundred ms by the runtime: samples the pool and starts a shared-folder probe when due. */
  tick(now = performance.now()): void {
    const { pool, poolMax } = this.sources;
    const saturated = pool.waitingCount > 0 && pool.totalCount >= poolMax;
    this.saturatedSince = saturated ? (this.saturatedSince ?? now) : null;
    if (this.probeStartedAt === null && now - this.lastProbeAt >= SHARED_PROBE_MS) {
      this.probeStartedAt = now;
      void this.probeShared().finally(() => {
        this.probeStartedAt = null;
        this.lastProbeAt = performance.now();
      });
    }
  }

  /** Why the node cannot reach its database now, or null. */
  databaseProblem(now = performance.now()): string | null {
    const { okAt, error } = this.sources.heartbeat();
    const silentMs = now - okAt;
    if (silentMs <= this.sources.heartbeatMs() * SILENT_HEARTBEATS) return null;
    return (
      `database unreachable: no heartbeat has reached it for ${(silentMs / 1000).toFixed(1)} s` +
      `${error ? ` (${error})` : ''}; check the database server and the network to it`
    );
  }

  /** Why the node has no database connection to give a request now, or null. */
  poolProblem(now = performance.now()): string | null {
    if (this.saturatedSince === null || now - this.saturatedSince < POOL_EXHAUSTED_MS) return null;
    if (now - this.lastAcquiredAt < POOL_EXHAUSTED_MS) return null;
    const { pool, poolMax } = this.sources;
    return (
      `database pool exhausted: all ${poolMax} connections busy and ${pool.waitingCount} request(s) waiting ` +
      `for ${((now - Math.max(this.saturatedSince, this.lastAcquiredAt)) / 1000).toFixed(1)} s with none ` +
      `freed; look for long queries or locks in pg_stat_activity`
    );
  }

  /** Why the shared folder cannot be used now (missing, foreign, read-only, hanging), or null. */
  sharedStorageProblem(now = performance.now()): string | null {
    if (this.probeStartedAt !== null && now - this.probeStartedAt > SHARED_HANG_MS) {
      return (
        `shared storage ${this.sources.shared().dir} does not answer: a check has been waiting ` +
        `${((now - this.probeStartedAt) / 1000).toFixed(1)} s; check the mount on this host`
      );
    }
    return this.sharedProblem;
  }

  /** Set while the shared folder has too little room for task logs; the node still serves users. */
  sharedStorageFull(): string | null {
    return this.sharedFull;
  }

  /** The first reason this node should not be sent users, or null when it can serve. */
  problem(): string | null {
    return this.databaseProblem() ?? this.sharedStorageProblem() ?? this.poolProblem();
  }

  private async probeShared(): Promise<void> {
    const { dir, clusterId } = this.sources.shared();
    if (!dir) return;
    const before = this.sharedProblem;
    const sentinel = await checkSentinel(dir, clusterId);
    if (sentinel) {
      this.sharedProblem = `shared storage: ${sentinel}`;
    } else {
      // A write of its own, so a share that turned read-only (or lost its permissions) shows at once.
      const probe = path.join(dir, PROBE_FOLDER, this.sources.node);
      const written = await mkdir(path.dirname(probe), { recursive: true })
        .then(() => writeFile(probe, `${new Date().toISOString()}\n`))
        .then(
          () => null,
          (error: NodeJS.ErrnoException) => error,
        );
      // A full share is the cluster's problem, not this node's: its tasks fail saying so, it still serves.
      this.sharedProblem =
        written && written.code !== 'ENOSPC'
          ? `shared storage ${dir} cannot be written (${written.code ?? written.message}): task logs and packages ` +
            `cannot be stored; make it writable for this node again`
          : null;
      const space = await statfs(dir).catch(() => null);
      const free = space ? space.bavail * space.bsize : Infinity;
      this.sharedFull =
        free < SHARED_MIN_FREE_BYTES || written?.code === 'ENOSPC'
          ? `shared storage ${dir} is full (${Math.max(0, Math.round(free / 1024))} KiB free): task logs cannot be ` +
            `written; free space there`
          : null;
    }
    if (this.sharedProblem !== before) {
      if (this.sharedProblem)
        this.sources.log.error({ problem: this.sharedProblem }, 'shared storage unusable');
      else this.sources.log.warn('shared storage usable again');
    }
  }
}
