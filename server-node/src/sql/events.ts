import type { EventDto } from '../api/index.js';
import type { Db } from './db.js';

export async function readEventsAfter(db: Db, afterSeq: bigint, limit: number): Promise<EventDto[]> {
  const result = await db.query<{
    seq: string;
    at: Date;
    type: EventDto['type'];
    data: Record<string, unknown>;
  }>(
    // events.seq, not seq: the bare name would sort by the text column of the output (1, 10, 2, …).
    `select seq::text, at, type, data from events where seq > $1 order by events.seq limit $2`,
    [afterSeq.toString(), limit],
  );
  return result.rows.map((row) => ({
    seq: row.seq,
    at: row.at.toISOString(),
    type: row.type,
    data: row.data,
  }));
}

export async function oldestEventSeq(db: Db): Promise<bigint | null> {
  const result = await db.query<{ seq: string | null }>(`select min(seq)::text as seq from events`);
  const seq = result.rows[0]?.seq;
  return seq ? BigInt(seq) : null;
}

export async function latestEventSeq(db: Db): Promise<bigint> {
  const result = await db.query<{ seq: string | null }>(`select max(seq)::text as seq from events`);
  return BigInt(result.rows[0]?.seq ?? '0');
}

export async function pruneEvents(db: Db, retentionHours: number): Promise<number> {
  const result = await db.query(
    `delete from events where at < now() - $1 * interval '1 hour'
       and seq < (select max(seq) from events)`,
    [retentionHours],
  );
  return result.rowCount ?? 0;
}
