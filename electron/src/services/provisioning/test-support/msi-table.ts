import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The rows of one table of an MSI, read back with msitools' `msiinfo export` (tab-separated: the column
 * names, their types, the table name and its keys, then one line per row).
 */
export async function msiTable(msi: string, table: string): Promise<Record<string, string>[]> {
  const { stdout } = await run('msiinfo', ['export', msi, table], { maxBuffer: 16 * 1024 ** 2 });
  const [names, , , ...rows] = stdout.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const columns = names!.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((value, i) => [columns[i]!, value])));
}

/** The rows of one table by their `key` column (the table's first key, e.g. Property, Action). */
export async function msiRowsBy(
  msi: string,
  table: string,
  key: string,
): Promise<Record<string, Record<string, string>>> {
  const rows: Record<string, Record<string, string>> = {};
  for (const row of await msiTable(msi, table)) rows[row[key] ?? ''] = row;
  return rows;
}

/** The Property table as name → value. */
export async function msiProperties(msi: string): Promise<Record<string, string>> {
  const properties: Record<string, string> = {};
  for (const row of await msiTable(msi, 'Property')) properties[row.Property ?? ''] = row.Value ?? '';
  return properties;
}
