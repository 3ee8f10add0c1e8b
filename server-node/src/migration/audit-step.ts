import { insertAuditEntry } from '../audit/audit-rows.js';
import type { MigrationStep } from '../api/index.js';
import type { Db } from '../sql/db.js';

/**
 * Each step leaves an audit entry (`migration.<step>`) with who ran it, in the database the cluster
 * lives in at that moment: the standalone's until the switch, the new one after.
 */
export async function auditStep(
  db: Db,
  by: string,
  step: MigrationStep,
  details: Record<string, unknown>,
): Promise<void> {
  await insertAuditEntry(db, { actor: by, action: `migration.${step}`, target: 'cluster', details });
}
