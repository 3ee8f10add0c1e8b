import { readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { NodeSelfCheckDto } from '../api/diagnostics.js';
import { masterKeyMatches } from '../cluster/master-key.js';
import { checkSentinel } from '../cluster/shared-storage.js';
import { LATEST_SCHEMA_VERSION } from '../db/migrations/index.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { PROBE_FOLDER } from '../node/node-health.js';
import { redactedConfig } from '../support/redacted-config.js';
import { VERSION } from '../version.js';

/** A probe file older than this is a node that stopped writing (or writes elsewhere). */
const PROBE_FRESH_MS = 30_000;

/**
 * Tests only: shifts this node's clock reading in its self-check by this many ms, so a test can create
 * a clock offset without another host (a real offset needs a host whose clock is apart).
 */
const TEST_CLOCK_OFFSET_MS = Number(process.env.FLOTILLA_TEST_CLOCK_OFFSET_MS ?? 0);
/**
 * Tests only: the version the self-check reports, so a test can show a node "on another version"
 * without building and starting an older bundle (that takes minutes; the upgrade tests do it).
 */
const REPORTED_VERSION = process.env.FLOTILLA_TEST_REPORTED_VERSION || VERSION;

/** The worst event-loop delay between two self-checks. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

/** The node's own doctor result, live: what `flotilla-node doctor` checks, as this process sees it now. */
export async function selfCheck(runtime: NodeRuntime): Promise<NodeSelfCheckDto> {
  const lagMs = Math.round(loopDelay.max / 1e6);
  loopDelay.reset();
  const [database, shared, openConnections] = await Promise.all([
    checkDatabase(runtime),
    checkShared(runtime.sharedDir, runtime.clusterId),
    runtime.openConnections(),
  ]);
  return {
    name: runtime.name,
    version: REPORTED_VERSION,
    at: new Date().toISOString(),
    database: database.report,
    clockOffsetMs: database.clockOffsetMs,
    shared: {
      ...shared,
      problem: runtime.health.sharedStorageProblem() ?? runtime.health.sharedStorageFull(),
    },
    eventLoopLagMs: lagMs,
    openConnections,
    pool: {
      total: runtime.pool.totalCount,
      idle: runtime.pool.idleCount,
      waiting: runtime.pool.waitingCount,
    },
    config: redactedConfig(runtime.config),
  };
}

async function checkDatabase(runtime: NodeRuntime) {
  const started = Date.now();
  try {
    const result = await runtime.pool.query<{
      now: Date;
      cluster_id: string;
      check: string;
      schema: number | null;
    }>(
      `select now(), c.cluster_id::text, c.master_key_check as check,
              (select max(version) from flotilla_migrations)::int as schema
       from cluster c`,
    );
    const ended = Date.now();
    const row = result.rows[0]!;
    const localMid = (started + ended) / 2 + TEST_CLOCK_OFFSET_MS;
    return {
      clockOffsetMs: Math.round(row.now.getTime() - localMid),
      report: {
        error: null,
        latencyMs: ended - started,
        schemaVersion: row.schema,
        carriedSchemaVersion: LATEST_SCHEMA_VERSION,
        masterKeyMatches: masterKeyMatches(runtime.config.masterKey, row.cluster_id, row.check),
      },
    };
  } catch (error) {
    return {
      clockOffsetMs: null,
      report: {
        error: (error as Error).message,
        latencyMs: null,
        schemaVersion: null,
        carriedSchemaVersion: LATEST_SCHEMA_VERSION,
        masterKeyMatches: null,
      },
    };
  }
}

async function checkShared(dir: string, clusterId: string) {
  const sentinelProblem = await checkSentinel(dir, clusterId);
  const space = await statfs(dir).catch(() => null);
  const probes = path.join(dir, PROBE_FOLDER);
  const names = await readdir(probes).catch(() => [] as string[]);
  const now = Date.now();
  const fresh = await Promise.all(
    names.map(async (name) => {
      const info = await stat(path.join(probes, name)).catch(() => null);
      return info && now - info.mtimeMs < PROBE_FRESH_MS ? name : null;
    }),
  );
  return {
    dir,
    sentinelProblem,
    freeBytes: space ? space.bavail * space.bsize : null,
    nodesSeen: fresh.filter((name): name is string => name !== null).sort(),
  };
}
