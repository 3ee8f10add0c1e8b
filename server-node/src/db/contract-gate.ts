import type pg from 'pg';
import type { Db } from '../sql/db.js';
import { UserError } from '../user-error.js';
import { CONTRACT_GATE, schemaRefusal } from './schema-bookkeeping.js';

/**
 * Runs `join` (a node's registration) in one transaction with the check that the schema still serves
 * `version`, under the contract gate a contract takes while it checks the live nodes and applies. So
 * a node joining while a contract runs either holds it back or sees it and refuses, never works on.
 */
export async function joinUnderContractGate<T>(
  pool: pg.Pool,
  node: { name: string; version: string },
  join: (db: Db) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock_shared($1)', [CONTRACT_GATE]);
    const refusal = await schemaRefusal(client, node.version, node.name);
    if (refusal) throw new UserError(refusal);
    const result = await join(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
