import { z } from 'zod';
import type { ClusterSettings } from '../api/index.js';
import { readClusterRow } from '../sql/cluster-row.js';
import type { Db } from '../sql/db.js';

// Cluster-wide rules. They live in the cluster row (cluster.settings, JSON) so every node judges
// liveness, packages and /metrics the same way.
// Fencing (4 s) must come before a peer may declare the node dead (5 s): a cut-off node stops its
// work before anyone else takes it over.
export const DEFAULT_SETTINGS: ClusterSettings = {
  heartbeatMs: 1000,
  offlineAfterMs: 3000,
  deadAfterMs: 5000,
  fenceAfterMs: 4000,
  pollMs: 1000,
  leaderTtlMs: 3000,
  sweepMs: 500,
  eventRetentionHours: 24,
  packageMaxBytes: 4 * 1024 ** 3,
  packageMaxEntries: 100_000,
  metrics: 'key',
};

export const clusterSettingsSchema = z
  .object({
    heartbeatMs: z.number().int().min(100).max(60_000),
    offlineAfterMs: z.number().int().min(300),
    deadAfterMs: z.number().int().min(500),
    fenceAfterMs: z.number().int().min(200),
    pollMs: z.number().int().min(50).max(60_000),
    leaderTtlMs: z.number().int().min(500),
    sweepMs: z.number().int().min(100).max(60_000),
    eventRetentionHours: z.number().min(0.01),
    packageMaxBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    packageMaxEntries: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    metrics: z.enum(['public', 'key', 'off']),
  })
  .partial();

/**
 * The stored settings over the defaults, each one on its own: a value that is not valid (a typo, a
 * setting from a newer version) falls back to its default alone, so a bad `metrics` can neither
 * open /metrics nor reset the heartbeat timing with it.
 */
export function resolveSettings(stored: unknown): ClusterSettings {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const given = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  for (const [key, schema] of Object.entries(clusterSettingsSchema.shape)) {
    const parsed = schema.safeParse(given[key]);
    if (parsed.success && parsed.data !== undefined) settings[key] = parsed.data;
  }
  return settings as unknown as ClusterSettings;
}

/**
 * The settings as they are now. Timing settings are read once at start (node-runtime); the ones a
 * request or a task applies (package limits, /metrics) are read where they are used, so a change
 * takes effect on every node without a restart.
 */
export async function readClusterSettings(db: Db): Promise<ClusterSettings> {
  return resolveSettings((await readClusterRow(db))?.settings);
}

/** Rejects combinations that would let a peer take over work before its owner fenced itself. */
export function checkSettings(settings: ClusterSettings): string | null {
  if (settings.fenceAfterMs >= settings.deadAfterMs) {
    return `fenceAfterMs (${settings.fenceAfterMs}) must be below deadAfterMs (${settings.deadAfterMs})`;
  }
  if (settings.offlineAfterMs > settings.deadAfterMs) {
    return `offlineAfterMs (${settings.offlineAfterMs}) must not exceed deadAfterMs (${settings.deadAfterMs})`;
  }
  if (settings.heartbeatMs * 2 > settings.fenceAfterMs) {
    return `fenceAfterMs (${settings.fenceAfterMs}) must allow at least two heartbeats (${settings.heartbeatMs} ms each)`;
  }
  return null;
}
