import type { AuditEntryDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export async function insertAuditEntry(db: Db, entry: AuditEntry): Promise<void> {
  await db.query(`insert into audit_log (actor, action, target, details) values ($1, $2, $3, $4)`, [
    entry.actor,
    entry.action,
    entry.target ?? null,
    JSON.stringify(entry.details ?? {}),
  ]);
}

export async function listAuditEntries(
  db: Db,
  filter: {
    actor?: string | undefined;
    action?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<AuditEntryDto[]> {
  const result = await db.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    target: string | null;
    details: Record<string, unknown>;
  }>(
    `select id::text, at, actor, action, target, details from audit_log
     where ($1::text is null or actor = $1) and ($2::text is null or action like $2 || '%')
       and ($3::bigint is null or id < $3)
     order by audit_log.id desc limit $4`,
    [filter.actor ?? null, filter.action ?? null, filter.before ?? null, filter.limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details,
  }));
}
