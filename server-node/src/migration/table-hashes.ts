import type { Db } from '../sql/db.js';
import type { TableInfo } from './table-catalog.js';
import { qualified, quoteIdent } from './table-catalog.js';

// Row counts and an ordered row hash per table: md5 of each row's text (columns in the catalog's order,
// with normaliseSession's settings), sorted, concatenated and hashed again. Sorting by the row hashes
// themselves makes the result independent of physical order and of primary keys (some tables have
// none), so both sides of a copy compare equal exactly when they hold the same rows.

export interface TableHash {
  table: string;
  rows: number;
  hash: string;
}

export interface HashOptions {
  /** Columns left out of the hash (the migration's own bookkeeping, e.g. the maintenance flag). */
  excludeColumns?: string[];
  /** SQL condition (no parameters) selecting the rows that count. */
  where?: string;
}

export async function hashTable(
  db: Db,
  schema: string,
  table: TableInfo,
  options: HashOptions = {},
): Promise<TableHash> {
  const columns = table.columns.filter((column) => !options.excludeColumns?.includes(column));
  const row = columns.map((column) => `t.${quoteIdent(column)}`).join(', ');
  const result = await db.query<{ rows: string; hash: string }>(
    `select count(*)::text as rows, md5(coalesce(string_agg(h, '' order by h), '')) as hash
     from (select md5(row(${row})::text) as h from ${qualified(schema, table.name)} t
           ${options.where ? `where ${options.where}` : ''}) s`,
  );
  return { table: table.name, rows: Number(result.rows[0]!.rows), hash: result.rows[0]!.hash };
}
