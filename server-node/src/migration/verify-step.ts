import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { MigrationCheckDto, MigrationResultDto, MigrationTableDto } from '../api/index.js';
import { LATEST_SCHEMA_VERSION } from '../db/migrations/index.js';
import { packageFile } from '../packages/package-store.js';
import type { PackageFormat } from '../packages/archive-entries.js';
import { UserError } from '../user-error.js';
import { auditStep } from './audit-step.js';
import { allPass, fail, pass } from './check.js';
import { FileManifest, sha256File } from './file-manifest.js';
import { writeReport } from './reports.js';
import { openSourceDb } from './standalone.js';
import type { StepContext } from './step-context.js';
import { commandLine, stepResult } from './step-context.js';
import { flotillaSchema, normaliseSession, qualified, quoteIdent, readCatalog } from './table-catalog.js';
import type { HashOptions } from './table-hashes.js';
import { hashTable } from './table-hashes.js';

const run = promisify(execFile);

// `migrate verify`: the new cluster against the frozen standalone. Per table, row counts and the
// ordered row hash on both sides; every sequence past its largest id; cluster id, schema version and
// master-key check unchanged; every manifest file on the share with its sha256; every package row
// with its file and the same sha256; and the node's own doctor. Once a node has worked on the new
// database, its tables legitimately move on: a table that differs is then reported as "changed since
// the switch" (the switch itself compared every table before anything could change it), while before
// any node ran there, any difference is a failure.

/**
 * The cluster row's columns the switch itself changes on the new side: the maintenance flag (lifted
 * there, left set on the frozen standalone) and the shared folder (checked on its own below).
 */
const SWITCHED_COLUMNS = ['maintenance_reason', 'maintenance_since', 'maintenance_by', 'shared_dir'];
/**
 * Append-only logs: their rows at the freeze are exactly those up to the standalone's largest key (it
 * is frozen); what the switch and the nodes append after it (the shared-folder and maintenance events,
 * audit entries) is not part of the copy.
 */
const APPEND_ONLY: Record<string, string> = { events: 'seq', audit_log: 'id' };
const PARALLEL_HASHES = 8;

async function client(url: string): Promise<pg.Client> {
  const connection = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  connection.on('error', () => undefined);
  await connection.connect();
  await normaliseSession(connection);
  return connection;
}

export async function runVerify(context: StepContext): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  if (journal.rolledBack) throw new UserError('This migration was rolled back: there is nothing to verify.');
  if (!standalone.switched || !journal.data.freeze) {
    throw new UserError(
      `Nothing to verify yet: the switch has not repointed the node. Run '${commandLine('switch', context.home)}' first.`,
    );
  }
  const sharedDir = journal.targetSharedDir!;
  const targetUrl = standalone.current.dbUrl;
  await journal.begin('verify', context.by);
  const checks: MigrationCheckDto[] = [];
  const tables: MigrationTableDto[] = [];
  const source = await openSourceDb(standalone.source);
  const sourceClient = await client(source.url);
  let targetClient: pg.Client | null = null;
  try {
    targetClient = await client(targetUrl);
    const target = targetClient;
    const atSwitch = journal.data.database?.tables ?? [];
    checks.push(
      atSwitch.length > 0 && atSwitch.every((table) => table.state === 'equal')
        ? pass(
            'database.at-switch',
            'Copy verified in the window',
            `${atSwitch.length} tables, ${journal.data.database!.rows} rows equal before the node started`,
          )
        : fail(
            'database.at-switch',
            'Copy verified in the window',
            'the switch has no record of a verified copy',
            `Run '${commandLine('rollback', context.home)}' and migrate again.`,
          ),
    );

    context.progress.note('database', 'comparing every table on both sides');
    const freezeAt = journal.data.freeze.at;
    const served = (
      await target.query<{ served: boolean }>(
        `select exists (select 1 from nodes where last_seen > $1::timestamptz) as served`,
        [freezeAt],
      )
    ).rows[0]!.served;
    const sourceSchema = (await flotillaSchema(sourceClient))!;
    const targetSchema = await flotillaSchema(target);
    if (!targetSchema) throw new UserError('The target database holds no Flotilla schema: was it replaced?');
    const catalog = await readCatalog(sourceClient, sourceSchema);
    for (const table of catalog.tables) {
      const options: HashOptions = table.name === 'cluster' ? { excludeColumns: SWITCHED_COLUMNS } : {};
      const key = APPEND_ONLY[table.name];
      if (key && table.columns.includes(key)) {
        const max = (
          await sourceClient.query<{ max: string }>(
            `select coalesce(max(${quoteIdent(key)}), 0)::text as max from ${qualified(sourceSchema, table.name)}`,
          )
        ).rows[0]!.max;
        options.where = `${quoteIdent(key)} <= ${BigInt(max).toString()}`;
      }
      const [s, t] = await Promise.all([
        hashTable(sourceClient, sourceSchema, table, options),
        hashTable(target, targetSchema, table, options),
      ]);
      const equal = s.rows === t.rows && s.hash === t.hash;
      const state: MigrationTableDto['state'] = equal ? 'equal' : served ? 'changed' : 'differs';
      tables.push({
        table: table.name,
        sourceRows: s.rows,
        targetRows: t.rows,
        sourceHash: s.hash,
        targetHash: t.hash,
        state,
      });
      const id = `database.table.${table.name}`;
      const title = `Table ${table.name}`;
      if (state === 'equal') checks.push(pass(id, title, `${s.rows} rows, hashes equal`));
      else if (state === 'changed')
        checks.push(
          pass(
            id,
            title,
            `${s.rows} rows at the freeze, ${t.rows} now: changed by the nodes since the switch`,
          ),
        );
      else
        checks.push(
          fail(
            id,
            title,
            `${s.rows} rows on the standalone, ${t.rows} on the new database, hashes differ (no node has run there since the switch)`,
            `Roll back ('${commandLine('rollback', context.home)}') and run the switch again.`,
          ),
        );
    }

    for (const sequence of catalog.sequences) {
      const row = (
        await target.query<{ last_value: string; is_called: boolean; max: string | null }>(
          `select s.last_value::text, s.is_called,
             (select max(${quoteIdent(sequence.column)})::text from ${qualified(targetSchema, sequence.table)}) as max
           from ${qualified(targetSchema, sequence.name)} s`,
        )
      ).rows[0]!;
      const last = Number(row.last_value) - (row.is_called ? 0 : 1);
      const max = Number(row.max ?? 0);
      checks.push(
        last >= max
          ? pass(
              `database.sequence.${sequence.name}`,
              `Sequence ${sequence.name}`,
              `at ${last}, largest ${sequence.column} ${max}`,
            )
          : fail(
              `database.sequence.${sequence.name}`,
              `Sequence ${sequence.name}`,
              `at ${last}, below the largest ${sequence.table}.${sequence.column} ${max}: new rows would collide`,
              `SELECT setval('${sequence.name}', ${max}) on the new database, or roll back and switch again.`,
            ),
      );
    }

    const sharedNow = (
      await target.query<{ shared_dir: string }>(`select shared_dir from cluster where id = 1`)
    ).rows[0];
    checks.push(
      sharedNow?.shared_dir === sharedDir
        ? pass('cluster.shared', "Cluster's shared folder set", sharedDir)
        : fail(
            'cluster.shared',
            "Cluster's shared folder set",
            `the new database says ${sharedNow?.shared_dir ?? '(no cluster)'}`,
            `Run '${commandLine('switch', context.home)}' again (it sets the folder and the sentinel).`,
          ),
    );
    const identity = `select cluster_id::text, master_key_check from cluster where id = 1`;
    type Identity = { cluster_id: string; master_key_check: string };
    const [sourceCluster, targetCluster] = await Promise.all([
      sourceClient.query<Identity>(identity),
      target.query<Identity>(identity),
    ]);
    const same =
      JSON.stringify(sourceCluster.rows[0]) === JSON.stringify(targetCluster.rows[0]) &&
      sourceCluster.rows[0] !== undefined;
    checks.push(
      same
        ? pass(
            'cluster.identity',
            'Cluster id and master-key check unchanged',
            String(sourceCluster.rows[0]?.cluster_id),
          )
        : fail(
            'cluster.identity',
            'Cluster id and master-key check unchanged',
            'the new database holds another cluster id or master-key check',
            'Roll back and migrate again; never edit the cluster row by hand.',
          ),
    );
    const version =
      (
        await target.query<{ version: number | null }>(
          `select max(version) as version from flotilla_migrations`,
        )
      ).rows[0]?.version ?? 0;
    checks.push(
      version === LATEST_SCHEMA_VERSION
        ? pass('cluster.schema', 'Schema version unchanged', `version ${version}`)
        : fail(
            'cluster.schema',
            'Schema version unchanged',
            `version ${version}, expected ${LATEST_SCHEMA_VERSION}`,
            'Roll back and migrate again.',
          ),
    );

    const hashes = await checkFiles(context, sharedDir, checks);
    await checkPackages(target, sharedDir, hashes, checks);
  } finally {
    await sourceClient.end().catch(() => undefined);
    await targetClient?.end().catch(() => undefined);
    await source.close();
  }
  checks.push(await doctor(context.home));

  const ok = allPass(checks);
  const failed = checks.filter((check) => check.status === 'fail');
  const verifyMs = Date.now() - started.getTime();
  const reports = await writeReport(context.home, sharedDir, 'verify', {
    at: started.toISOString(),
    by: context.by,
    ok,
    verifyMs,
    tables,
    checks,
  });
  journal.data.reports = [...new Set([...(journal.data.reports ?? []), ...reports])];
  const db = new pg.Pool({ connectionString: targetUrl, max: 1 });
  db.on('error', () => undefined);
  await auditStep(db, context.by, 'verify', { ok, failed: failed.map((check) => check.id) }).finally(() =>
    db.end(),
  );
  const summary = ok
    ? `${checks.length} checks pass`
    : `${failed.length} check(s) fail: ${failed.map((check) => check.id).join(', ')}`;
  await journal.finish('verify', ok ? 'done' : 'failed', summary);
  return stepResult(context, 'verify', started, {
    state: ok ? 'done' : 'failed',
    message: ok
      ? `Verified: ${summary}. Add nodes (init --db + run), check old logs and deployments, then finalize.`
      : `Verification failed: ${failed.map((check) => `${check.title}: ${check.detail}`).join('; ')}.`,
    next: ok ? commandLine('finalize', context.home) : commandLine('rollback', context.home),
    checks,
    reports,
    database: {
      tables,
      rows: tables.reduce((sum, table) => sum + table.sourceRows, 0),
      bytes: journal.data.database?.bytes ?? 0,
      copyMs: journal.data.database?.copyMs ?? 0,
      verifyMs,
    },
  });
}

/** Every manifest file on the share, read again and hashed. Returns the hashes by path. */
async function checkFiles(
  context: StepContext,
  sharedDir: string,
  checks: MigrationCheckDto[],
): Promise<Map<string, string>> {
  const manifest = await FileManifest.open(sharedDir);
  await manifest.close();
  const entries = [...manifest.entries.values()];
  const counter = context.progress.counter('files', 'reading every file on the share back', {
    bytes: entries.reduce((sum, entry) => sum + entry.size, 0),
    items: entries.length,
    unit: 'files',
  });
  const hashes = new Map<string, string>();
  const bad: string[] = [];
  const queue = [...entries];
  await Promise.all(
    Array.from({ length: PARALLEL_HASHES }, async () => {
      for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
        const file = path.join(sharedDir, ...entry.path.split('/'));
        const sha = await sha256File(file).catch(() => null);
        if (sha) hashes.set(entry.path, sha);
        if (sha !== entry.sha256) bad.push(`${entry.path} (${sha === null ? 'missing' : 'sha256 differs'})`);
        counter.add(entry.size, 1);
      }
    }),
  );
  counter.done();
  checks.push(
    bad.length === 0
      ? pass('files.manifest', 'Every copied file on the share', `${entries.length} files, sha256 equal`)
      : fail(
          'files.manifest',
          'Every copied file on the share',
          `${bad.length} of ${entries.length} differ: ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', …' : ''}`,
          'Something changed or damaged these files on the share after the copy. Roll back and migrate again, ' +
            'or restore them from the standalone (its storage is untouched until finalize).',
        ),
  );
  return hashes;
}

/** Every package row has its file on the share, with the sha256 the feed recorded. */
async function checkPackages(
  target: pg.Client,
  sharedDir: string,
  hashes: Map<string, string>,
  checks: MigrationCheckDto[],
): Promise<void> {
  const rows = (
    await target.query<{ package_id: string; version: string; format: PackageFormat; sha256: string }>(
      `select package_id, version, format, sha256 from packages order by package_id, version`,
    )
  ).rows;
  const bad: string[] = [];
  for (const row of rows) {
    const file = packageFile(sharedDir, row.package_id, row.version, row.format);
    const relative = path.relative(sharedDir, file).split(path.sep).join('/');
    const sha = hashes.get(relative) ?? (await sha256File(file).catch(() => null));
    if (sha !== row.sha256)
      bad.push(`${row.package_id} ${row.version} (${sha === null ? 'file missing' : 'sha256 differs'})`);
  }
  checks.push(
    bad.length === 0
      ? pass('files.packages', 'Every package has its file', `${rows.length} packages, sha256 as recorded`)
      : fail(
          'files.packages',
          'Every package has its file',
          `${bad.length} of ${rows.length}: ${bad.slice(0, 10).join(', ')}`,
          'Packages without their file would silently drop out of the feed: roll back and migrate again.',
        ),
  );
}

/** The node's own doctor, run as the node would be (its config now points at the new cluster). */
async function doctor(home: string): Promise<MigrationCheckDto> {
  const result = await run(process.execPath, [process.argv[1]!, 'doctor', '--home', home, '--json'], {
    timeout: 60_000,
  }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  interface DoctorReport {
    ok: boolean;
    checks: { name: string; ok: boolean; detail: string }[];
  }
  let report: DoctorReport | null;
  try {
    report = JSON.parse(result) as DoctorReport;
  } catch {
    report = null;
  }
  if (!report)
    return fail(
      'doctor',
      'Node doctor passes',
      'doctor printed no report',
      `Run flotilla-node doctor --home ${home}.`,
    );
  const failed = report.checks.filter((check) => !check.ok);
  return failed.length === 0
    ? pass('doctor', 'Node doctor passes', report.checks.map((check) => check.name).join(', '))
    : fail(
        'doctor',
        'Node doctor passes',
        failed.map((check) => `${check.name}: ${check.detail}`).join('; '),
        `Run flotilla-node doctor --home ${home} and fix what it names.`,
      );
}
