import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClusterDto, MigrationResultDto } from '../api/index.js';
import { initNode } from '../cluster/init-node.js';
import { configPath, readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { CLI_MAIN } from '../sandbox/node-process.js';
import type { CliRun, StandaloneFingerprint } from '../test-support/standalone.js';
import { cli, TestStandalone } from '../test-support/standalone.js';
import { createTestDatabase } from '../test-support/test-database.js';

// What goes wrong, on real parts: rollback from every step leaves the standalone as it was (config,
// every storage file, every table); the delta carries late changes and verify catches a damaged file;
// a CLI killed at every step boundary and in the middle of each copy resumes to the same end state,
// which finalize then archives; every preflight failure says what is wrong; hostile input is refused
// without losing anything.

const run = promisify(execFile);

/** Whether a user other than the owner may read `file` (every folder above it searchable by others). */
async function reachableByOthers(file: string): Promise<boolean> {
  if (((await stat(file)).mode & 0o004) === 0) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

describe('migration: rollback, crashes, delta, damage and refusals', () => {
  const standalone = new TestStandalone();
  let target: { url: string; drop: () => Promise<void> };
  let shared = '';
  let before: StandaloneFingerprint;
  const dropLater: (() => Promise<void>)[] = [];
  const env = () => ({ FLOTILLA_TARGET_DB_URL: target.url });
  const migrate = (step: string[], extra: NodeJS.ProcessEnv = {}) =>
    cli(['migrate', ...step, '--home', standalone.home, '--json'], { ...env(), ...extra });
  const sharedArgs = () => ['--shared', shared];
  const failed = (run: CliRun) => run.result?.checks.filter((check) => check.status === 'fail') ?? [];

  beforeAll(async () => {
    await standalone.create();
    await standalone.start();
    await standalone.seed({ deployment: false });
    // Enough files for a copy to be killed half-way, one of them big.
    for (let i = 0; i < 30; i++) {
      const dir = path.join(standalone.sharedDir, 'tasks', `9${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'attempt-1.log'), randomBytes(i === 0 ? 2 * 1024 * 1024 : 2048));
    }
    await standalone.stop();
    target = await createTestDatabase();
    shared = path.join(standalone.dir, 'share');
    await mkdir(shared);
    before = await standalone.fingerprint();
  }, 120_000);

  afterAll(async () => {
    await standalone.destroy();
    await target?.drop();
    for (const drop of dropLater) await drop();
  });

  it('refuses hostile input with a clear error and loses nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['preflight', '--shared', `${shared}/../elsewhere`], /holds '\.\.'/],
      [['preflight', '--shared', `${shared}/it's`], /holds a quote/],
      [['preflight', '--shared', `${shared}\nrm -rf /`], /control character or a line break/],
      [['preflight', '--shared', 'share'], /must be an absolute path/],
    ];
    for (const [args, message] of cases) {
      const run = await migrate(args);
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.result?.message).toMatch(message);
    }
    const badUrl = await cli(
      ['migrate', 'preflight', '--home', standalone.home, '--shared', shared, '--json'],
      {
        FLOTILLA_TARGET_DB_URL: 'postgres://flotilla:pa#ss@127.0.0.1:5432/flotilla',
      },
    );
    expect(badUrl.result?.message).toMatch(/percent-encoded/);
    expect(badUrl.stdout).not.toContain('pa#ss');
    const notHome = await cli(
      ['migrate', 'preflight', '--home', path.join(standalone.dir, 'nowhere'), '--shared', shared, '--json'],
      env(),
    );
    expect(notHome.result?.message).toMatch(/No node configuration at/);

    // Two CLIs at once: the second names the first.
    const lock = path.join(standalone.home, 'migration', 'lock');
    await mkdir(path.dirname(lock), { recursive: true });
    await writeFile(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        user: userInfo().username,
        command: 'switch',
        since: 'now',
      }),
    );
    const locked = await migrate(['preflight', ...sharedArgs()]);
    expect(locked.result?.message).toMatch(
      new RegExp(`holds the migration lock: 'switch' \\(pid ${process.pid} on`),
    );
    await rm(lock);

    // A corrupt journal is reported, kept as it is, and nothing runs.
    const journal = path.join(standalone.home, 'migration', 'journal.json');
    await writeFile(journal, '{"version": 1, "steps": [tor');
    const corrupt = await migrate(['preflight', ...sharedArgs()]);
    expect(corrupt.result?.message).toMatch(/journal .* is corrupt .* Nothing was changed/);
    expect(await readFile(journal, 'utf8')).toBe('{"version": 1, "steps": [tor');
    await rm(journal);
  });

  it('preflight fails with its reason for each broken prerequisite', async () => {
    const closedPort = await findFreePort(0);
    const unreachable = await cli(
      ['migrate', 'preflight', '--home', standalone.home, ...sharedArgs(), '--json'],
      {
        FLOTILLA_TARGET_DB_URL: `postgres://flotilla:secret@127.0.0.1:${closedPort}/flotilla`,
      },
    );
    expect(failed(unreachable).map((check) => [check.id, check.detail])).toEqual([
      ['target.reachable', expect.stringMatching(/connection refused/)],
    ]);

    // A role that may connect but not create, with a password full of URL-special characters.
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const role = `flt_ro_${randomBytes(3).toString('hex')}`;
    const password = 'p@ss:w/rd#1';
    await admin.query(`create role ${role} login password '${password}'`);
    dropLater.push(async () => {
      const again = new pg.Client({ connectionString: inject('pgAdminUrl') });
      await again.connect();
      await again.query(`drop role if exists ${role}`);
      await again.end();
    });
    await admin.end();
    const readOnlyUrl = new URL(target.url);
    readOnlyUrl.username = role;
    readOnlyUrl.password = encodeURIComponent(password);
    const cannotCreate = await cli(
      ['migrate', 'preflight', '--home', standalone.home, ...sharedArgs(), '--json'],
      {
        FLOTILLA_TARGET_DB_URL: readOnlyUrl.toString(),
      },
    );
    expect(failed(cannotCreate).map((check) => check.id)).toEqual([
      'target.create-tables',
      'target.create-schema',
    ]);
    expect(failed(cannotCreate)[0]!.fix).toMatch(/GRANT CREATE ON SCHEMA public TO/);
    expect(cannotCreate.stdout).not.toContain(password);
    expect(cannotCreate.stdout).not.toContain(encodeURIComponent(password));

    // A database that already holds another cluster.
    const other = await createTestDatabase();
    dropLater.push(other.drop);
    const otherHome = await mkdtemp(path.join(tmpdir(), 'flotilla-other-'));
    dropLater.push(() => rm(otherHome, { recursive: true, force: true }));
    const otherCluster = await initNode({
      home: path.join(otherHome, 'home'),
      dbUrl: other.url,
      sharedDir: path.join(otherHome, 'shared'),
      name: 'other',
      listen: { host: '127.0.0.1', port: closedPort },
    });
    const taken = await cli(['migrate', 'preflight', '--home', standalone.home, ...sharedArgs(), '--json'], {
      FLOTILLA_TARGET_DB_URL: other.url,
    });
    expect(failed(taken).map((check) => [check.id, check.detail])).toEqual([
      ['target.empty', `the database holds another Flotilla cluster (${otherCluster.clusterId})`],
    ]);

    // The standalone's own database given as the target (the switch would empty it).
    const itself = await cli(['migrate', 'preflight', '--home', standalone.home, ...sharedArgs(), '--json'], {
      FLOTILLA_TARGET_DB_URL: (await readNodeConfig(standalone.home)).dbUrl,
    });
    expect(failed(itself).map((check) => check.id)).toEqual(['target.distinct']);

    const tooMany = await migrate(['preflight', ...sharedArgs(), '--nodes', '64']);
    expect(failed(tooMany).map((check) => check.id)).toEqual(['target.connections']);
    expect(failed(tooMany)[0]!.fix).toMatch(/Raise max_connections to at least \d+/);
    expect(failed(tooMany)[0]!.detail).toMatch(/^64 node\(s\) need \d+ connections \(12 each \+ \d+\)/);
    // The standalone's own pool size counts for it; the nodes that join later start with the default.
    const configFile = configPath(standalone.home);
    const config = await readFile(configFile, 'utf8');
    await writeFile(configFile, JSON.stringify({ ...JSON.parse(config), dbPool: { max: 40, idleMs: 5000 } }));
    const bigPool = await migrate(['preflight', ...sharedArgs(), '--nodes', '64']);
    await writeFile(configFile, config);
    expect(failed(bigPool)[0]!.detail).toMatch(
      /^64 node\(s\) need \d+ connections \(42 for this node, 12 for each of the other 63 \+ \d+\)/,
    );

    const missing = await migrate(['preflight', '--shared', path.join(standalone.dir, 'not-mounted')]);
    expect(failed(missing).map((check) => [check.id, check.fix])).toEqual([
      ['shared.exists', expect.stringMatching(/Mount the share at .*not-mounted on this host/)],
    ]);

    // The real share passes on the source host and writes the nonce the other hosts must read back.
    const good = await migrate(['preflight', ...sharedArgs()]);
    expect(failed(good)).toEqual([]);
    const nonce = good.result!.nonce!.value;
    // A "second host" that has a local folder at the same path, not the share: its own process, its own folder.
    const local = path.join(standalone.dir, 'local-folder-on-node-2');
    await mkdir(local);
    const notShared = await cli(
      ['migrate', 'preflight', '--peer', '--shared', local, '--nonce', nonce, '--json'],
      env(),
    );
    expect(failed(notShared).map((check) => [check.id, check.detail])).toEqual([
      ['shared.same-folder', expect.stringMatching(/is not there: this host sees a different folder/)],
    ]);
    // A host whose service account may not write to the share: the CLI as another user (root may write
    // anywhere: as root it runs as `nobody`, or, where nobody cannot reach this checkout, on a read-only
    // bind mount).
    const readOnly = path.join(standalone.dir, 'read-only-share');
    await mkdir(readOnly);
    const asRoot = process.getuid?.() === 0;
    const nobody =
      asRoot && (await reachableByOthers(CLI_MAIN)) && (await reachableByOthers(process.execPath));
    if (!asRoot) await chmod(readOnly, 0o555);
    else if (!nobody) {
      await run('mount', ['--bind', readOnly, readOnly]);
      await run('mount', ['-o', 'remount,bind,ro', readOnly]);
    }
    const cannotWrite = await cli(
      ['migrate', 'preflight', '--peer', '--shared', readOnly, '--nonce', nonce, '--json'],
      env(),
      nobody ? { uid: 65534 } : {},
    );
    if (asRoot && !nobody) await run('umount', [readOnly]);
    expect(failed(cannotWrite).map((check) => [check.id, check.fix])).toEqual([
      ['shared.writable', expect.stringMatching(/read and write access to the share/)],
    ]);
  }, 90_000);

  it('rolls back from each step and leaves the standalone as it was: config, every file, every row', async () => {
    const rollback = async (args: string[] = []) => {
      const run = await migrate(['rollback', ...args]);
      expect(run.result, `${run.result?.message ?? ''} ${run.stderr}`).toMatchObject({
        step: 'rollback',
        state: 'done',
      });
      expect(await standalone.fingerprint()).toEqual(before);
      return run.result!;
    };
    // A dry run rehearses everything up to the switch and changes nothing on the standalone.
    const dryRun = await migrate(['--shared', shared, '--dry-run']);
    expect(dryRun.result).toMatchObject({ step: 'migrate', state: 'done', dryRun: true });
    expect(dryRun.result!.steps!.map((step) => step.step)).toEqual(['preflight', 'precopy']);
    expect(dryRun.result!.rehearsal!.predictedWindowMs).toBeGreaterThan(0);
    expect(await standalone.fingerprint()).toEqual(before);
    expect((await rollback()).rollback?.from).toBe('precopy');

    expect((await migrate(['preflight', ...sharedArgs()])).result?.state).toBe('done');
    expect((await rollback()).rollback?.from).toBe('preflight');

    expect((await migrate(['preflight', ...sharedArgs()])).result?.state).toBe('done');
    expect((await migrate(['precopy', ...sharedArgs()])).result?.state).toBe('done');
    const waiting = await migrate(['switch', ...sharedArgs()]);
    expect(waiting.result).toMatchObject({ state: 'waiting', ok: true });
    expect((await rollback()).rollback).toMatchObject({ from: 'switch', restoredIdentical: true });

    expect((await migrate(['preflight', ...sharedArgs()])).result?.state).toBe('done');
    expect((await migrate(['precopy', ...sharedArgs()])).result?.state).toBe('done');
    expect((await migrate(['switch', ...sharedArgs(), '--start'])).result?.state).toBe('done');
    expect((await migrate(['verify'])).result?.state).toBe('done');
    expect((await rollback()).rollback).toMatchObject({ from: 'verify', restoredIdentical: true, lost: [] });
  }, 120_000);

  it('the delta carries files changed after the precopy; verify catches a byte flipped on the share', async () => {
    expect((await migrate(['preflight', ...sharedArgs()])).result?.state).toBe('done');
    expect((await migrate(['precopy', ...sharedArgs()])).result?.state).toBe('done');
    const changed = path.join(standalone.sharedDir, 'tasks', standalone.taskIds[0]!, 'attempt-1.log');
    await appendFile(changed, 'a line written after the precopy\n');
    const added = path.join(standalone.sharedDir, 'tasks', '95', 'artifacts', 'late.txt');
    await mkdir(path.dirname(added), { recursive: true });
    await writeFile(added, 'late artifact\n');
    const switched = await migrate(['switch', ...sharedArgs()]);
    expect(switched.result?.state).toBe('waiting');
    expect(switched.result!.window!.deltaFiles).toBe(2);
    const shareCopy = (file: string) => path.join(shared, path.relative(standalone.sharedDir, file));
    expect(await readFile(shareCopy(changed), 'utf8')).toBe(await readFile(changed, 'utf8'));
    expect(await readFile(shareCopy(added), 'utf8')).toBe('late artifact\n');
    const verified = await migrate(['verify']);
    expect(failed(verified)).toEqual([]);

    const pkg = standalone.packages[0]!;
    const file = path.join(shared, 'packages', pkg.id, `${pkg.version}.tar.gz`);
    const bytes = await readFile(file);
    const flip = () => bytes.writeUInt8(bytes.readUInt8(1000) ^ 0x01, 1000);
    flip();
    await writeFile(file, bytes);
    const damaged = await migrate(['verify']);
    expect(damaged.result?.state).toBe('failed');
    expect(failed(damaged).map((check) => [check.id, check.detail])).toEqual([
      [
        'files.manifest',
        expect.stringContaining(`packages/${pkg.id}/${pkg.version}.tar.gz (sha256 differs)`),
      ],
      ['files.packages', expect.stringContaining(`${pkg.id} ${pkg.version} (sha256 differs)`)],
    ]);
    flip();
    await writeFile(file, bytes);
    expect((await migrate(['verify'])).result?.state).toBe('done');

    // The admin starts the node by hand: it serves on the new database, still in maintenance, until
    // the switch is run again and lifts it.
    await standalone.start();
    const cluster = await standalone.client.api<ClusterDto>('GET', '/api/cluster');
    expect(cluster.body.maintenance).toMatchObject({ reason: 'migration in progress' });
    const refused = await fetch(`${standalone.url}/api/tasks/${standalone.taskIds[0]}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${standalone.deployer.apiKey}` },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({ error: 'maintenance: migration in progress' });
    const byAdmin = await standalone.client.api('POST', `/api/tasks/${standalone.taskIds[0]}/retry`);
    expect(byAdmin.status).not.toBe(503);
    expect(await (await fetch(`${standalone.url}/login`)).text()).toMatch(
      /Maintenance: migration in progress\./,
    );
    const lifted = await migrate(['switch', ...sharedArgs()]);
    expect(lifted.result).toMatchObject({ state: 'done', window: { nodeStarted: false } });
    expect((await standalone.client.api<ClusterDto>('GET', '/api/cluster')).body.maintenance).toBeNull();
    // A node believes the flag it read for 500 ms (FLAG_TTL_MS): a write in that time after the lift may
    // still be turned away, with Retry-After. A refused write changes nothing, so asking again is safe.
    const retry = async () => {
      const response = await fetch(`${standalone.url}/api/tasks/${standalone.taskIds[1]}/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${standalone.deployer.apiKey}` },
      });
      return `${response.status} ${await response.text()}`;
    };
    await expect.poll(retry, { timeout: 2000, interval: 200 }).not.toMatch(/^503 /);

    const back = await migrate(['rollback', '--force']);
    expect(back.result).toMatchObject({ state: 'done' });
    await expect
      .poll(() => standalone.child?.exitCode ?? standalone.child?.signalCode ?? null)
      .not.toBeNull();
  }, 90_000);
  it('a CLI killed at every step boundary and in the middle of each copy resumes to the same end state; finalize archives it', async () => {
    const points = [
      'after:preflight',
      'files-midway',
      'precopy:files',
      'rehearsal:database-midway',
      'after:precopy',
      'switch:maintenance',
      'switch:stopped',
      'switch:database-midway',
      'switch:copied',
      'switch:config',
      'switch:shared',
      'switch:sentinel',
      'after:switch',
    ];
    // A fresh share, so that the precopy has every file to copy (and can be killed half-way).
    const fresh = path.join(standalone.dir, 'share-2');
    await mkdir(fresh);
    const all = ['--shared', fresh, '--yes'];
    for (const point of points) {
      const run = await migrate(all, { FLOTILLA_MIGRATION_CRASH_AT: point });
      // Killed: no summary line (a step finished before the kill may have printed its own).
      expect({
        point,
        signal: run.signal,
        summary: run.lines.some((line) => line.type === 'result' && line.step === 'migrate'),
      }).toEqual({
        point,
        signal: 'SIGKILL',
        summary: false,
      });
      if (point === 'switch:copied') {
        // The killed CLI left its lock (taken over by the next command) and its step interrupted.
        const status = await migrate(['status']);
        expect(status.result?.status).toMatchObject({ lock: { alive: false, command: 'migrate' } });
        expect(status.result?.message).toMatch(/switch was interrupted/);
      }
    }
    const done = await migrate(all);
    expect(done.result, `${done.result?.message ?? ''} ${done.stderr}`).toMatchObject({
      step: 'migrate',
      state: 'done',
      ok: true,
    });
    const verify = done.result!.steps!.find((step: MigrationResultDto) => step.step === 'verify')!;
    expect(verify.checks.filter((check) => check.status === 'fail')).toEqual([]);
    const tables = verify.database!.tables.filter((table) =>
      ['tasks', 'packages', 'users', 'task_attempts'].includes(table.table),
    );
    expect(tables.every((table) => table.sourceHash === table.targetHash)).toBe(true);
    const status = await migrate(['status']);
    expect(status.result!.status!.journal!.steps.map((step) => [step.step, step.state])).toEqual([
      ['preflight', 'done'],
      ['precopy', 'done'],
      ['switch', 'done'],
      ['verify', 'done'],
      ['rollback', 'pending'],
      ['finalize', 'pending'],
    ]);

    // Finalize: the embedded database becomes an archive with its checksum, the reports stay on the
    // share, and there is no way back any more.
    const finalized = await migrate(['finalize']);
    expect(finalized.result, `${finalized.result?.message ?? ''} ${finalized.stderr}`).toMatchObject({
      step: 'finalize',
      state: 'done',
    });
    const archive = finalized.result!.archive!;
    expect(
      createHash('sha256')
        .update(await readFile(archive.path))
        .digest('hex'),
    ).toBe(archive.sha256);
    expect(await readFile(`${archive.path}.sha256`, 'utf8')).toBe(
      `${archive.sha256}  ${path.basename(archive.path)}\n`,
    );
    expect(existsSync(path.join(standalone.home, 'pgdata'))).toBe(false);
    expect(existsSync(path.join(path.dirname(archive.path), 'flotilla.json.pre-migration'))).toBe(true);
    for (const report of ['preflight', 'precopy', 'switch', 'verify', 'timings']) {
      expect(existsSync(path.join(fresh, '.flotilla-migration', 'reports', `${report}.json`))).toBe(true);
    }
    expect((await migrate(['rollback'])).result?.message).toMatch(
      /finalized: the embedded database is archived in/,
    );
    expect((await migrate(['finalize'])).result).toMatchObject({ state: 'done', ok: true });
  }, 180_000);
});
