import type { MigrationFile } from './migration.js';

// Maintenance mode (issue 12). Expand-only: version-3 nodes ignore the new columns.
// The flag lives in the cluster row, not in any process, so it outlives a crashed console or CLI: while
// it is set, non-administrator writes get 503 "maintenance: <reason>" and the portal shows a banner.
// The standalone -> HA migration sets it for its switch-over window.
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.1.0',
  sql: `
alter table cluster
  add column maintenance_reason text,
  add column maintenance_since timestamptz,
  add column maintenance_by text;
`,
};
