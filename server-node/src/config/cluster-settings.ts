import { z } from 'zod';
import type { ClusterSettings } from '../api/index.js';

// Cluster-wide timing rules. They live in the cluster row so every node judges liveness the same way.
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
  })
  .partial()
  .strict();

export function resolveSettings(stored: unknown): ClusterSettings {
  const parsed = clusterSettingsSchema.safeParse(stored ?? {});
  const settings = { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  return settings;
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
