import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterDto, NodeDto, PingDto, TaskDto } from '../api/index.js';
import { readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { spawnNode, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { cli, TestStandalone } from '../test-support/standalone.js';
import { createTestDatabase } from '../test-support/test-database.js';

// The whole migration on real parts: a seeded standalone (embedded PostgreSQL 18, tasks with logs,
// artifacts, a project with releases and a deployment, packages of a few MB) moved to the suite's
// PostgreSQL (CI: Debian's 15) and a shared folder, with traffic during the window; then a second node
// joins, and a rollback after work on the new cluster.

interface Outcome {
  status: number | string;
  body: string;
}

/**
 * A connection refused, or reset before any answer (the node's shutdown and the port's hand-over close a
 * listening socket: connections caught in that instant are reset), is tried again, up to 3 times, as a
 * balancer does (HAProxy `retries 3` + `retry-on conn-failure empty-response`). Every request here may be repeated.
 */
const RETRIED = new Set(['ECONNREFUSED', 'ECONNRESET']);
const RETRIES = 3;

/** One request the way a balancer sends it. */
function request(url: string, method: string, key: string): Promise<Outcome> {
  const once = () =>
    new Promise<Outcome>((resolve) => {
      const req = http.request(
        url,
        { method, agent: false, headers: { authorization: `Bearer ${key}` } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: error.code ?? 'ERR', body: '' }));
      req.end();
    });
  return (async () => {
    let outcome = await once();
    for (let retry = 0; retry < RETRIES && RETRIED.has(String(outcome.status)); retry++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      outcome = await once();
    }
    return outcome;
  })();
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe('migrating a standalone node to an external PostgreSQL and a shared folder', () => {
  const standalone = new TestStandalone();
  let target: { url: string; drop: () => Promise<void> };
  let shared = '';
  let node2: ChildProcess | null = null;
  let node2Url = '';
  let oldMaxId = 0;
  const env = () => ({ FLOTILLA_TARGET_DB_URL: target.url, FLOTILLA_ACTOR: 'alice (console)' });

  beforeAll(async () => {
    await standalone.create();
    await standalone.start();
    await standalone.seed();
    target = await createTestDatabase();
    shared = path.join(standalone.dir, 'share');
    await mkdir(shared);
    oldMaxId = Math.max(...(await standalone.tasks()).map((task) => Number(task.id)));
  }, 120_000);

  afterAll(async () => {
    if (node2) await stopProcess(node2);
    await standalone.destroy();
    await target?.drop();
  });

  it('preflight passes and changes nothing; precopy copies the files while the node serves and predicts the window', async () => {
    const preflight = await cli(
      ['migrate', 'preflight', '--home', standalone.home, '--shared', shared, '--json'],
      env(),
    );
    expect(preflight.result?.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(preflight.result).toMatchObject({
      step: 'preflight',
      state: 'done',
      ok: true,
      by: 'alice (console)',
    });
    // The password never shows, neither in output nor in the journal.
    const password = new URL(target.url).password;
    expect(preflight.stdout).not.toContain(password);
    expect(await readFile(path.join(standalone.home, 'migration', 'journal.json'), 'utf8')).not.toContain(
      password,
    );

    // Another host (here: another process) that sees the same folder reads the nonce back.
    const peer = await cli(
      [
        'migrate',
        'preflight',
        '--peer',
        '--shared',
        shared,
        '--nonce',
        preflight.result!.nonce!.value,
        '--json',
      ],
      env(),
    );
    expect(peer.result?.checks.map((check) => [check.id, check.status])).toEqual([
      ['shared.exists', 'pass'],
      ['shared.writable', 'pass'],
      ['shared.same-folder', 'pass'],
      ['target.reachable', 'pass'],
      ['clock', 'pass'],
    ]);

    const precopy = await cli(
      ['migrate', 'precopy', '--home', standalone.home, '--shared', shared, '--json'],
      env(),
    );
    expect(precopy.result).toMatchObject({ step: 'precopy', state: 'done' });
    const files = precopy.result!.files!;
    expect(files.filesTotal).toBeGreaterThanOrEqual(8);
    expect(files.bytesTotal).toBeGreaterThan(3 * 1024 * 1024);
    const fileProgress = precopy.progress.filter((event) => event.phase === 'files');
    expect(fileProgress.at(-1)).toMatchObject({
      bytesDone: files.bytesTotal,
      bytesTotal: files.bytesTotal,
      etaMs: 0,
    });
    const rehearsal = precopy.result!.rehearsal!;
    expect(rehearsal.dbRows).toBeGreaterThan(50);
    expect(rehearsal.predictedWindowMs).toBeGreaterThan(rehearsal.dbCopyMs);
    // The rehearsal's scratch schema is gone, and the target's own schema was never touched.
    const db = new pg.Client({ connectionString: target.url });
    await db.connect();
    const leftovers = await db.query(
      `select nspname from pg_namespace where nspname like 'flotilla%' union all select tablename from pg_tables where schemaname = 'public'`,
    );
    await db.end();
    expect(leftovers.rows).toEqual([]);
    // The standalone served all along.
    expect((await fetch(`${standalone.url}/api/nodes/ping`)).status).toBe(200);
  });

  it('switches within seconds: during the window writes get 503 "maintenance: migration in progress" and nothing else fails', async () => {
    // Work done after the precopy travels with the delta.
    const [lateTask] = await standalone.client.queue('script', { script: 'echo "after the precopy"' });
    await standalone.waitForTasks();
    // A task still running when the window opens: the drain gives it --drain-timeout, then cancels it.
    const [longTask] = await standalone.client.queue('script', { script: 'sleep 30' });
    await expect
      .poll(async () => (await standalone.tasks()).find((task) => task.id === longTask)?.state)
      .toBe('executing');
    const tasks = await standalone.tasks();
    oldMaxId = Math.max(...tasks.map((task) => Number(task.id)));
    const succeeded = tasks.find((task) => task.state === 'succeeded')!;

    const outcomes: { read: Outcome; write: Outcome }[] = [];
    let traffic = true;
    const load = (async () => {
      while (traffic) {
        const [read, write] = await Promise.all([
          request(`${standalone.url}/api/tasks?limit=5`, 'GET', standalone.apiKey),
          // A deployer's write (retrying a finished task): refused while the cluster is in maintenance.
          request(`${standalone.url}/api/tasks/${succeeded.id}/retry`, 'POST', standalone.deployer.apiKey),
        ]);
        outcomes.push({ read, write });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const switched = await cli(
      [
        'migrate',
        'switch',
        '--home',
        standalone.home,
        '--shared',
        shared,
        '--start',
        '--drain-timeout',
        '1',
        '--json',
      ],
      env(),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    traffic = false;
    await load;
    expect(switched.result, `${switched.result?.message ?? ''} ${switched.stderr}`).toMatchObject({
      step: 'switch',
      state: 'done',
      ok: true,
    });
    const window = switched.result!.window!;
    expect(window.nodeStarted).toBe(true);
    expect(window.windowMs, JSON.stringify(window.phases)).toBeLessThan(30_000);
    expect(window.deltaFiles).toBeGreaterThanOrEqual(1);
    expect(window.tasksCanceled).toBe(1);
    expect(window.phases.drain).toBeGreaterThanOrEqual(1000);
    expect((await standalone.tasks()).find((task) => task.id === longTask)?.state).toBe('canceled');
    expect(switched.result!.database!.tables.every((table) => table.state === 'equal')).toBe(true);

    const maintenance = (outcome: Outcome) =>
      outcome.status === 503 && outcome.body.includes('maintenance: migration in progress');
    const ok503 = outcomes.flatMap((o) => [o.read, o.write]).filter(maintenance).length;
    const failed = outcomes
      .flatMap((o) => [o.read, o.write])
      .filter(
        (outcome) => !maintenance(outcome) && (typeof outcome.status !== 'number' || outcome.status >= 500),
      );
    expect(ok503).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    // Reads work on the new database; writes are taken again once the node has seen the flag lifted
    // (it reads it at most every 500 ms).
    expect(outcomes.at(-1)!.read.status).toBe(200);
    await expect
      .poll(
        async () =>
          (
            await request(
              `${standalone.url}/api/tasks/${succeeded.id}/retry`,
              'POST',
              standalone.deployer.apiKey,
            )
          ).status,
      )
      .not.toBe(503);

    const cluster = await standalone.client.api<ClusterDto>('GET', '/api/cluster');
    expect(cluster.body).toMatchObject({ sharedDir: shared, maintenance: null });
    expect((await readNodeConfig(standalone.home)).embedded).toBeUndefined();
    expect(await sha256(path.join(shared, 'tasks', lateTask!, 'attempt-1.log'))).toBe(
      await sha256(path.join(standalone.sharedDir, 'tasks', lateTask!, 'attempt-1.log')),
    );
  }, 90_000);

  it('verify: row counts and hashes equal, every file and package on the share, doctor passes', async () => {
    const verify = await cli(['migrate', 'verify', '--home', standalone.home, '--json'], env());
    expect(verify.result?.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(verify.result?.state).toBe('done');
    const ids = verify.result!.checks.map((check) => check.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'database.at-switch',
        'database.table.tasks',
        'database.table.releases',
        'database.table.deployments',
        'database.sequence.tasks_id_seq',
        'cluster.identity',
        'cluster.shared',
        'files.manifest',
        'files.packages',
        'doctor',
      ]),
    );
    const tables = verify.result!.database!.tables;
    for (const name of [
      'tasks',
      'task_attempts',
      'packages',
      'releases',
      'deployments',
      'projects',
      'users',
    ]) {
      const table = tables.find((t) => t.table === name)!;
      expect({ name, rows: table.targetRows, hash: table.targetHash }).toEqual({
        name,
        rows: table.sourceRows,
        hash: table.sourceHash,
      });
    }
    const audit = await standalone.client.api<{ action: string; actor: string }[]>(
      'GET',
      '/api/audit?action=migration',
    );
    expect(audit.body.map((entry) => [entry.action, entry.actor])).toEqual(
      expect.arrayContaining([
        ['migration.preflight', 'alice (console)'],
        ['migration.precopy', 'alice (console)'],
        ['migration.switch', 'alice (console)'],
        ['migration.verify', 'alice (console)'],
      ]),
    );
  });

  it('every node of the new cluster serves the old logs, artifacts and packages; a second node joins and takes tasks above the old ids', async () => {
    const home2 = path.join(standalone.dir, 'node-2');
    const port = await findFreePort(0);
    const init = await cli(
      [
        'init',
        '--home',
        home2,
        '--db',
        target.url,
        '--shared',
        shared,
        '--name',
        'node-2',
        '--listen',
        `127.0.0.1:${port}`,
      ],
      { FLOTILLA_MASTER_KEY: standalone.masterKey },
    );
    expect(init.code, init.stderr).toBe(0);
    node2Url = `http://127.0.0.1:${port}`;
    node2 = spawnNode(home2, path.join(standalone.dir, 'node-2.log'), { FLOTILLA_SHUTDOWN_GRACE_MS: '1000' });
    await waitForNode(node2Url, node2, path.join(standalone.dir, 'node-2.log'));

    const auth = { authorization: `Bearer ${standalone.apiKey}` };
    for (const url of [standalone.url, node2Url]) {
      const log = await fetch(`${url}/api/tasks/${standalone.taskIds[0]}/log`, { headers: auth });
      expect(await log.text()).toContain('task 1 line 50');
      const artifact = await fetch(`${url}/api/tasks/${standalone.artifactTask}/artifacts/report.txt`, {
        headers: auth,
      });
      expect(await artifact.text()).toBe('report\n');
      for (const pkg of standalone.packages) {
        const download = await fetch(`${url}/api/packages/${pkg.id}/${pkg.version}/download`, {
          headers: auth,
        });
        expect(
          createHash('sha256')
            .update(Buffer.from(await download.arrayBuffer()))
            .digest('hex'),
        ).toBe(pkg.sha256);
      }
    }

    const ids = await standalone.client.queue('noop', { sleepMs: 400 }, 12);
    expect(Math.min(...ids.map(Number))).toBeGreaterThan(oldMaxId);
    await expect
      .poll(
        async () =>
          (await standalone.tasks()).filter((task) => ids.includes(task.id) && task.state === 'succeeded')
            .length,
        {
          timeout: 20_000,
        },
      )
      .toBe(12);
    const ran = new Set(
      (await standalone.tasks()).filter((task) => ids.includes(task.id)).map((task) => task.node),
    );
    expect(ran).toEqual(new Set(['solo', 'node-2']));
    const nodes = (await standalone.client.api<NodeDto[]>('GET', '/api/nodes')).body;
    expect(nodes.map((node) => [node.name, node.state]).sort()).toEqual([
      ['node-2', 'running'],
      ['solo', 'running'],
    ]);
  }, 90_000);

  it('rollback after work on the new cluster says what would be lost and needs --force, then restores the standalone', async () => {
    const refused = await cli(['migrate', 'rollback', '--home', standalone.home, '--json'], env());
    expect(refused.result).toMatchObject({ step: 'rollback', state: 'failed', ok: false });
    expect(refused.result!.rollback!.requiresForce).toBe(true);
    expect(refused.result!.rollback!.lost.map((lost) => lost.table)).toEqual(
      expect.arrayContaining(['tasks', 'task_attempts']),
    );
    expect(refused.result!.message).toMatch(/--force/);

    const rolledBack = await cli(
      ['migrate', 'rollback', '--home', standalone.home, '--force', '--start', '--json'],
      env(),
    );
    expect(rolledBack.result, `${rolledBack.result?.message ?? ''} ${rolledBack.stderr}`).toMatchObject({
      step: 'rollback',
      state: 'done',
    });
    expect(rolledBack.result!.rollback).toMatchObject({
      restoredIdentical: true,
      differences: [],
      newNodes: ['node-2'],
    });
    // node-2 drains on the new database: its ping tells every balancer to stop sending it users.
    await expect
      .poll(async () => ((await (await fetch(`${node2Url}/api/nodes/ping`)).json()) as PingDto).state)
      .toBe('draining');
    // The standalone is back on its embedded database, with its tasks as they were.
    expect((await readNodeConfig(standalone.home)).embedded).toBeDefined();
    const tasks: TaskDto[] = await standalone.tasks();
    expect(Math.max(...tasks.map((task) => Number(task.id)))).toBe(oldMaxId);
    const cluster = await standalone.client.api<ClusterDto>('GET', '/api/cluster');
    expect(cluster.body).toMatchObject({ sharedDir: standalone.sharedDir, maintenance: null });
  }, 90_000);
});
