import type { RetentionPolicyDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

export const RETENTION = 'retention';

interface DbSchedule {
  every_ms: string;
  next_run_at: Date;
  settings: { keepReleasesPerProject?: number; taskLogDays?: number };
}

export async function readRetentionPolicy(db: Db): Promise<RetentionPolicyDto> {
  const result = await db.query<DbSchedule>(
    `select every_ms::text, next_run_at, settings from schedules where name = $1`,
    [RETENTION],
  );
  const row = result.rows[0];
  return {
    everyMinutes: row ? Number(row.every_ms) / 60_000 : 60,
    keepReleasesPerProject: row?.settings.keepReleasesPerProject ?? 20,
    taskLogDays: row?.settings.taskLogDays ?? 30,
    nextRunAt: (row?.next_run_at ?? new Date()).toISOString(),
  };
}

export async function updateRetentionPolicy(
  db: Db,
  change: {
    everyMinutes?: number | undefined;
    keepReleasesPerProject?: number | undefined;
    taskLogDays?: number | undefined;
  },
): Promise<void> {
  const everyMs = change.everyMinutes === undefined ? null : Math.round(change.everyMinutes * 60_000);
  await db.query(
    `update schedules set every_ms = coalesce($2, every_ms),
       next_run_at = case when $2::bigint is null then next_run_at else now() + $2 * interval '1 millisecond' end,
       settings = settings || jsonb_strip_nulls(jsonb_build_object('keepReleasesPerProject', $3::int, 'taskLogDays', $4::numeric))
     where name = $1`,
    [RETENTION, everyMs, change.keepReleasesPerProject ?? null, change.taskLogDays ?? null],
  );
}
