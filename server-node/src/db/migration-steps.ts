import type pg from 'pg';
import type { BackfillStep, ConcurrentIndexStep, Migration } from './migrations/migration.js';

const DEFAULT_BATCH = 5000;
/** A pause between batches, so the backfill never takes more than its share of the database. */
const PAUSE_MS = 10;

/**
 * An expand's backfill: one short transaction per batch of ids, from where a crashed run stopped
 * (`resumeFrom`, recorded with each batch) to the highest id when it began. Rows written later
 * come from nodes that write the new shape already (or from a trigger the expand added).
 */
export async function runBackfill(
  client: pg.PoolClient,
  migration: Migration,
  step: BackfillStep,
  resumeFrom: string | null,
): Promise<void> {
  const batch = step.batch ?? DEFAULT_BATCH;
  const range = await client.query<{ min: string | null; max: string | null }>(
    `select min(id)::text as min, max(id)::text as max from ${step.table}`,
  );
  if (range.rows[0]?.max == null) return;
  const max = BigInt(range.rows[0].max);
  let from = BigInt(resumeFrom ?? range.rows[0].min!);
  let changed = 0;
  while (from <= max) {
    const to = from + BigInt(batch);
    for (let attempt = 1; ; attempt++) {
      await client.query('begin');
      try {
        await client.query(`set local lock_timeout = '2s'`);
        const result = await client.query(
          `update ${step.table} set ${step.set} where id >= $1 and id < $2 and (${step.where})`,
          [from.toString(), to.toString()],
        );
        changed += result.rowCount ?? 0;
        await client.query(
          `update flotilla_migration_runs set progress = $2, detail = $3, updated_at = now() where version = $1`,
          [
            migration.version,
            to.toString(),
            `backfill ${step.table}: ids up to ${(to > max ? max : to - 1n).toString()} of ${max.toString()}, ${changed} rows set`,
          ],
        );
        await client.query('commit');
        break;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if ((code !== '55P03' && code !== '40P01') || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
    from = to;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

/** Builds an index without blocking writes; one a crash left invalid is dropped and built again. */
export async function runConcurrentIndex(client: pg.PoolClient, step: ConcurrentIndexStep): Promise<void> {
  const found = await client.query<{ valid: boolean }>(
    `select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
     where c.relname = $1 and c.relnamespace = current_schema()::regnamespace`,
    [step.name],
  );
  if (found.rows[0]?.valid === false) await client.query(`drop index concurrently ${quoteIdent(step.name)}`);
  await client.query(step.create);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
