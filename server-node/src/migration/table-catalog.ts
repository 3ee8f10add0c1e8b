import type pg from 'pg';
import type { Db } from '../sql/db.js';

// What the database copy needs to know about a schema, read from the catalog rather than listed by
// hand (a table added by a later migration is carried without anyone remembering to): its tables with
// their columns in order, who references whom, and the sequences behind serial columns.

export interface TableInfo {
  name: string;
  columns: string[];
  /** Tables this one references with a foreign key (itself excluded). */
  parents: string[];
}

export interface SequenceInfo {
  name: string;
  table: string;
  column: string;
}

export interface Catalog {
  schema: string;
  tables: TableInfo[];
  sequences: SequenceInfo[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** The schema our tables live in on this connection (where the migrations' table was created). */
export async function flotillaSchema(db: Db): Promise<string | null> {
  const result = await db.query<{ schema: string | null }>(
    `select n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.oid = to_regclass('flotilla_migrations')`,
  );
  return result.rows[0]?.schema ?? null;
}

export async function readCatalog(db: Db, schema: string): Promise<Catalog> {
  const tables = await db.query<{ name: string; columns: string[]; parents: string[] }>(
    `select c.relname as name,
       array(select a.attname::text from pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
             order by a.attnum) as columns,
       array(select distinct p.relname::text from pg_constraint f join pg_class p on p.oid = f.confrelid
             where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as parents
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
     order by c.relname`,
    [schema],
  );
  const sequences = await db.query<SequenceInfo>(
    `select s.relname as name, t.relname as table, a.attname as column
     from pg_class s
     join pg_namespace n on n.oid = s.relnamespace
     join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass
       and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
     join pg_class t on t.oid = d.refobjid
     join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
     where s.relkind = 'S' and n.nspname = $1
     order by s.relname`,
    [schema],
  );
  return { schema, tables: tables.rows, sequences: sequences.rows };
}

/**
 * Tables in foreign-key order: every table after the tables it references, so each COPY finds its
 * parents' rows already there. A cycle (none in our schema) is an error, not a silent misorder.
 */
export function foreignKeyOrder(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: TableInfo, trail: string[]) => {
    const seen = state.get(table.name);
    if (seen === 'done') return;
    if (seen === 'visiting')
      throw new Error(`foreign keys form a cycle: ${[...trail, table.name].join(' -> ')}`);
    state.set(table.name, 'visiting');
    for (const parent of table.parents) {
      const parentTable = byName.get(parent);
      if (parentTable) visit(parentTable, [...trail, table.name]);
    }
    state.set(table.name, 'done');
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

/**
 * Settings that make text output the same on every server and session (COPY text, row hashes):
 * UTC, ISO dates, shortest-exact floats, hex bytea; and no server-side timeout cutting a long copy.
 */
export async function normaliseSession(client: pg.PoolClient | pg.Client): Promise<void> {
  await client.query(
    `set time zone 'UTC'; set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres';
     set extra_float_digits = 1; set bytea_output = 'hex'; set statement_timeout = 0;
     set lock_timeout = 0; set idle_in_transaction_session_timeout = 0`,
  );
}
