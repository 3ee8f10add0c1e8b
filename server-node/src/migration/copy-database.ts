import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { MigrationTableDto } from '../api/index.js';
import { migrate } from '../db/migrate.js';
import { describeDbError } from '../db/pool.js';
import { UserError } from '../user-error.js';
import { crashPoint } from './crash-points.js';
import { sameDatabase } from './same-database.js';
import type { Progress } from './progress.js';
import type { Catalog, TableInfo } from './table-catalog.js';
import {
  flotillaSchema,
  foreignKeyOrder,
  normaliseSession,
  qualified,
  quoteIdent,
  readCatalog,
} from './table-catalog.js';
import type { TableHash } from './table-hashes.js';
import { hashTable } from './table-hashes.js';

// The database copy: COPY streams through the driver (pg_dump cannot read the embedded PostgreSQL 18
// from an older client), from one snapshot of the source, into tables our own migrations created on
// the target, in foreign-key order, sequences carried, then every table compared by row count and an
// ordered row hash. The switch copies into the target's real schema; the precopy's rehearsal copies
// into a scratch schema and drops it.
//
// Several streams run at once (a table starts when the tables it references are in), each on its own
// pair of connections; the source connections all import one exported snapshot, so what is copied and
// what is hashed is one consistent state even while the source still serves (the rehearsal).

/** Parallel COPY streams: enough to keep two cores busy, few enough to leave the source serving. */
const STREAMS = 3;

export interface SequenceCheck {
  name: string;
  table: string;
  column: string;
  lastValue: number;
  maxId: number;
  ok: boolean;
}

export interface DatabaseCopyResult {
  schema: string;
  tables: MigrationTableDto[];
  sequences: SequenceCheck[];
  rows: number;
  bytes: number;
  /** Creating the schema on the target (our migrations), emptying it, opening the streams' connections. */
  prepareMs: number;
  copyMs: number;
  verifyMs: number;
  /** Every table equal on both sides and every sequence past its column's largest value. */
  ok: boolean;
}

export interface DatabaseCopyOptions {
  sourceUrl: string;
  targetUrl: string;
  /** Rehearsal: copy into this scratch schema (created, migrated, and left for the caller to drop). */
  scratchSchema?: string;
  progress: Progress;
}

function connect(url: string, options?: string): pg.Client {
  const client = new pg.Client({ connectionString: url, options, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  return client;
}

async function open(url: string, what: string, options?: string): Promise<pg.Client> {
  const client = connect(url, options);
  try {
    await client.connect();
  } catch (error) {
    throw new UserError(`${what}: ${describeDbError(error, url)}`);
  }
  await normaliseSession(client);
  return client;
}

/** `-c search_path=…` for connections that must see only the scratch schema. */
function searchPathOption(schema: string | undefined): string | undefined {
  if (!schema) return undefined;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unsafe scratch schema name ${schema}`);
  return `-c search_path=${schema}`;
}

/** Tables the target's own migrations filled, replaced by the source's rows in one transaction. */
const REPLACED_IN_ONE_TRANSACTION = new Set(['flotilla_migrations']);

/** Prepares the target: our migrations create the schema, then every table is emptied. */
async function prepareTarget(
  options: DatabaseCopyOptions,
  source: Catalog,
  sourceClient: pg.Client,
): Promise<Catalog> {
  const searchPath = searchPathOption(options.scratchSchema);
  const probe = await open(options.targetUrl, 'Target database');
  try {
    if (await sameDatabase(sourceClient, probe)) {
      throw new UserError(
        'The target database is the standalone database itself: give the URL of the new, external database.',
      );
    }
  } finally {
    await probe.end();
  }
  if (options.scratchSchema) {
    const admin = await open(options.targetUrl, 'Target database');
    try {
      await admin.query(`drop schema if exists ${quoteIdent(options.scratchSchema)} cascade`);
      await admin.query(`create schema ${quoteIdent(options.scratchSchema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({ connectionString: options.targetUrl, options: searchPath, max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    const schema = await flotillaSchema(pool);
    if (!schema) throw new Error('the migrations ran but flotilla_migrations is not visible on the target');
    const target = await readCatalog(pool, schema);
    for (const table of source.tables) {
      const there = target.tables.find((t) => t.name === table.name);
      if (!there || there.columns.join(',') !== table.columns.join(',')) {
        throw new UserError(
          `The target's table ${table.name} does not match the source's (${there ? `columns ${there.columns.join(', ')}` : 'missing'}). ` +
            `Source and target must be at the same schema version: run this with the same Flotilla version as the node.`,
        );
      }
    }
    if (!options.scratchSchema) {
      // A node heartbeating on the target means it is in use: emptying it would throw that work away.
      const live = await pool.query<{ name: string }>(
        `select name from nodes where stopped_at is null and last_seen > now() - interval '10 seconds'`,
      );
      if (live.rows.length > 0) {
        throw new UserError(
          `Nodes are running on the target database (${live.rows.map((r) => r.name).join(', ')}): stop them before the switch, ` +
            `or roll back first if they run on a copy you mean to replace.`,
        );
      }
    }
    // The schema's own record is emptied only in the transaction that copies the source's into it
    // (below, in copyDatabase): a copy killed half-way must leave a target whose record still says what is applied,
    // or the next attempt's migrations would run again over the tables they created.
    const all = target.tables
      .filter((t) => !REPLACED_IN_ONE_TRANSACTION.has(t.name))
      .map((t) => qualified(schema, t.name))
      .join(', ');
    if (all) await pool.query(`truncate ${all} restart identity cascade`);
    return target;
  } finally {
    await pool.end();
  }
}

async function inSnapshot(url: string, snapshot: string): Promise<pg.Client> {
  const client = await open(url, 'Source database');
  await client.query('begin isolation level repeatable read read only');
  await client.query(`set transaction snapshot '${snapshot.replace(/'/g, "''")}'`);
  return client;
}

/** Runs `work` for every table with `workers`, each table only after the tables it references. */
async function inForeignKeyOrder<W>(
  tables: TableInfo[],
  workers: W[],
  work: (worker: W, table: TableInfo) => Promise<void>,
): Promise<void> {
  const names = new Set(tables.map((t) => t.name));
  const done = new Set<string>();
  const pending = [...foreignKeyOrder(tables)];
  let failure: unknown = null;
  let waiters: (() => void)[] = [];
  const wakeAll = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const ready = () => pending.findIndex((t) => t.parents.every((p) => !names.has(p) || done.has(p)));
  await Promise.all(
    workers.map(async (worker) => {
      while (pending.length > 0 && failure === null) {
        const index = ready();
        if (index < 0) {
          await new Promise<void>((resolve) => waiters.push(resolve));
          continue;
        }
        const [table] = pending.splice(index, 1);
        try {
          await work(worker, table!);
        } catch (error) {
          failure ??= error;
        }
        done.add(table!.name);
        wakeAll();
      }
      wakeAll();
    }),
  );
  if (failure !== null) throw failure as Error;
}

/** Runs `work` over `items` with `workers`, in any order. */
async function eachWith<W, T>(items: T[], workers: W[], work: (worker: W, item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    workers.map(async (worker) => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(worker, item);
    }),
  );
}

export async function copyDatabase(options: DatabaseCopyOptions): Promise<DatabaseCopyResult> {
  const started = performance.now();
  const exporter = await open(options.sourceUrl, 'Source database');
  const sourceClients: pg.Client[] = [];
  const targetClients: pg.Client[] = [];
  try {
    await exporter.query('begin isolation level repeatable read read only');
    const snapshot = (await exporter.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]!.id;
    const sourceSchema = await flotillaSchema(exporter);
    if (!sourceSchema) throw new UserError('The source database holds no Flotilla schema.');
    const source = await readCatalog(exporter, sourceSchema);
    const sizes = await exporter.query<{ name: string; bytes: string }>(
      `select c.relname as name, pg_table_size(c.oid)::text as bytes from pg_class c
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'`,
      [sourceSchema],
    );
    const estimate = sizes.rows.reduce((sum, row) => sum + Number(row.bytes), 0);

    const target = await prepareTarget(options, source, exporter);
    const searchPath = searchPathOption(options.scratchSchema);
    for (let i = 0; i < STREAMS; i++) {
      sourceClients.push(await inSnapshot(options.sourceUrl, snapshot));
      targetClients.push(await open(options.targetUrl, 'Target database', searchPath));
    }
    const workers = sourceClients.map((sourceClient, i) => ({
      sourceClient,
      targetClient: targetClients[i]!,
    }));

    const prepareMs = Math.round(performance.now() - started);
    const copyStarted = performance.now();
    const counter = options.progress.counter('database', 'copying tables with COPY', {
      bytes: estimate,
      items: source.tables.length,
      unit: 'tables',
    });
    let rows = 0;
    let bytes = 0;
    let tablesDone = 0;
    const copied = new Map<string, number>();
    await inForeignKeyOrder(source.tables, workers, async ({ sourceClient, targetClient }, table) => {
      const replaced = REPLACED_IN_ONE_TRANSACTION.has(table.name);
      if (replaced) {
        await targetClient.query('begin');
        await targetClient.query(`delete from ${qualified(target.schema, table.name)}`);
      }
      const columns = table.columns.map(quoteIdent).join(', ');
      const out = sourceClient.query(
        copyTo(`copy ${qualified(sourceSchema, table.name)} (${columns}) to stdout`),
      );
      const into = targetClient.query(
        copyFrom(`copy ${qualified(target.schema, table.name)} (${columns}) from stdin`),
      );
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > estimate) counter.grow(chunk.length);
          counter.add(chunk.length);
          callback(null, chunk);
        },
      });
      await pipeline(out, meter, into);
      if (replaced) await targetClient.query('commit');
      copied.set(table.name, into.rowCount);
      rows += into.rowCount;
      counter.add(0, 1);
      if (++tablesDone === Math.ceil(source.tables.length / 2)) {
        crashPoint(options.scratchSchema ? 'rehearsal:database-midway' : 'switch:database-midway');
      }
    });

    // Sequences: past every id, and never behind where the source's sequence already was.
    const sequences: SequenceCheck[] = [];
    for (const sequence of source.sequences) {
      const at = await exporter.query<{ last_value: string; is_called: boolean }>(
        `select last_value::text, is_called from ${qualified(sourceSchema, sequence.name)}`,
      );
      const used = Number(at.rows[0]!.last_value) - (at.rows[0]!.is_called ? 0 : 1);
      const max = await targetClients[0]!.query<{ max: string | null }>(
        `select max(${quoteIdent(sequence.column)})::text as max from ${qualified(target.schema, sequence.table)}`,
      );
      const value = Math.max(used, Number(max.rows[0]!.max ?? 0));
      const name = qualified(target.schema, sequence.name);
      if (value >= 1) await targetClients[0]!.query(`select setval($1::regclass, $2, true)`, [name, value]);
      else await targetClients[0]!.query(`select setval($1::regclass, 1, false)`, [name]);
    }
    const copyMs = Math.round(performance.now() - copyStarted);
    counter.done(`${source.tables.length} tables, ${rows} rows`);

    const verifyStarted = performance.now();
    options.progress.note('verify', 'comparing row counts and row hashes of every table');
    const sourceHashes = new Map<string, TableHash>();
    const targetHashes = new Map<string, TableHash>();
    await Promise.all([
      eachWith(source.tables, sourceClients, async (client, table) => {
        sourceHashes.set(table.name, await hashTable(client, sourceSchema, table));
      }),
      eachWith(source.tables, targetClients, async (client, table) => {
        targetHashes.set(table.name, await hashTable(client, target.schema, table));
      }),
    ]);
    for (const sequence of source.sequences) {
      const check = await targetClients[0]!.query<{
        last_value: string;
        is_called: boolean;
        max: string | null;
      }>(
        `select s.last_value::text, s.is_called,
           (select max(${quoteIdent(sequence.column)})::text from ${qualified(target.schema, sequence.table)}) as max
         from ${qualified(target.schema, sequence.name)} s`,
      );
      const row = check.rows[0]!;
      const lastValue = Number(row.last_value) - (row.is_called ? 0 : 1);
      const maxId = Number(row.max ?? 0);
      sequences.push({ ...sequence, lastValue, maxId, ok: lastValue >= maxId });
    }
    const tables: MigrationTableDto[] = source.tables.map((table) => {
      const s = sourceHashes.get(table.name)!;
      const t = targetHashes.get(table.name)!;
      return {
        table: table.name,
        sourceRows: s.rows,
        targetRows: t.rows,
        sourceHash: s.hash,
        targetHash: t.hash,
        state:
          s.rows === t.rows && s.hash === t.hash && copied.get(table.name) === s.rows ? 'equal' : 'differs',
      };
    });
    const verifyMs = Math.round(performance.now() - verifyStarted);
    return {
      schema: target.schema,
      tables,
      sequences,
      rows,
      bytes,
      prepareMs,
      copyMs,
      verifyMs,
      ok: tables.every((t) => t.state === 'equal') && sequences.every((s) => s.ok),
    };
  } finally {
    for (const client of [exporter, ...sourceClients]) {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    for (const client of targetClients) await client.end().catch(() => undefined);
  }
}

/** Drops a rehearsal's scratch schema (and any left by an interrupted rehearsal). */
export async function dropScratchSchemas(targetUrl: string): Promise<string[]> {
  const client = await open(targetUrl, 'Target database');
  try {
    const schemas = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname like 'flotilla\\_rehearsal\\_%'`,
    );
    for (const { name } of schemas.rows) await client.query(`drop schema ${quoteIdent(name)} cascade`);
    return schemas.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}
