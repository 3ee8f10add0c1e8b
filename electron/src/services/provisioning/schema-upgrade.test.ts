import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLUSTER_PATH, TASKS_PATH, type SchemaStateDto, type TaskDto } from '@flotilla/server-node/api';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { stopProcess } from '@flotilla/server-node/sandbox/node-process';
import { TestCluster } from '@flotilla/server-node/test-support/test-cluster';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pingNode } from '../cluster-client/node-ping.js';
import { repoServerNodeCli } from '../sandbox/server-node-cli.js';
import type { SshAuth } from '../ssh/index.js';
import { SshdHost } from '../test-support/sshd-host.js';
import type { ProvisionHost } from './provision-host.js';
import { provisionNode } from './provision-node.js';
import type { ProvisionEvent } from './provision-step.js';
import { CLUSTER_EVENTS, rollingRestart } from './rolling-restart.js';
import { readServerBundle, type ServerBundle } from './server-bundle.js';
import { buildServerBundles } from './test-support/build-server-bundle.js';
import { remoteHostEntry, remoteLogTail, stopSupervisor } from './test-support/remote-host.js';
import { startSandboxCluster, type SandboxCluster } from './test-support/sandbox-cluster.js';
import { finalTasks, startSteadyLoad, type LoadReport } from './test-support/steady-load.js';
import { unpackBundle } from './test-support/unpacked-bundle.js';

const run = promisify(execFile);
type NodeEvent = ProvisionEvent & { node: string; at: number };

// Three releases built from this tree, each carrying the migrations of its release and older:
// 0.1.0 (this build: the sandbox and its node-1 run it), 0.2.0 (005-cancel-requested-at, an expand
// with a backfill, and 006-drop-login-failures, a contract no 0.1.0 node holds back) and 0.3.0
// (007-drop-cancel-requested, the contract half of 005: it needs every node at 0.2.0 or later).
// Two nodes on two "hosts" (sshd on 127.0.0.2-3) serve behind the sandbox's balancer; the sandbox's
// own node stays drained, an old node that is alive and so holds back 0.3.0's contract.
const [N, N1, N2] = ['0.1.0', '0.2.0', '0.3.0'] as const;
// The schema's version is its highest migration: 008-directory ships with 0.1.0, so every step reads 8.
const LOAD = { requestEveryMs: 50, taskEveryMs: 200, longTaskEvery: 20, longTaskSleepMs: 4000 };

describe('rolling upgrades that change the schema: expand, contract, downgrade, one migrator', () => {
  let dir: string;
  const bundles: Record<string, ServerBundle> = {};
  let cluster: SandboxCluster;
  const hosts: SshdHost[] = [];
  const nodes: { host: ProvisionHost; auth: SshAuth }[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const figures: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-schema-upgrade-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o711);
    const archives = await buildServerBundles(path.join(dir, 'bundles'), [N, N1, N2]);
    for (const archive of archives) {
      const bundle = await readServerBundle(archive);
      bundles[bundle.version] = bundle;
    }
    cluster = await startSandboxCluster();
    cleanups.push(() => cluster.stop());
    for (const address of ['127.0.0.2', '127.0.0.3']) {
      const sshd = await SshdHost.start({ address });
      cleanups.push(() => sshd.stop());
      hosts.push(sshd);
    }
  }, 300_000);
  afterAll(async () => {
    // The closing note's figures, one line per scenario.
    for (const line of figures) console.log(`schema-upgrade figures ${JSON.stringify(line)}`);
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    console.error(`sandbox log:\n${await cluster.recentLog()}`);
    for (const { host } of nodes)
      console.error(`${host.node.name} log:\n${await remoteLogTail(host.installRoot, 40)}`);
  });

  const schema = async (): Promise<SchemaStateDto> => (await cluster.api.getCluster()).schema;
  /**
   * Rolls the nodes (or one) into `bundle`. With `load`, as each node leaves the balancer for its
   * restart, a task long enough to outlast that restart is queued too: it runs on another node.
   */
  const roll = async (options: {
    bundle: ServerBundle;
    only?: number;
    load?: LoadReport;
    /** Once this node is back in rotation, ten tasks at once: every serving node takes some. */
    burstAfter?: string;
  }) => {
    const events: NodeEvent[] = [];
    const spanning: Promise<void>[] = [];
    const burst: string[] = [];
    await rollingRestart({
      nodes: options.only === undefined ? nodes : [nodes[options.only]!],
      cluster: cluster.access,
      bundle: options.bundle,
      minHealthy: 1,
      onEvent: (event) => {
        events.push({ ...event, at: Date.now() });
        if (options.load && event.step === 'maint' && event.status === 'done')
          spanning.push(
            cluster.api
              .createTask({ kind: 'noop', args: { sleepMs: 6000 } })
              .then(({ id }) => void options.load!.taskIds.push(id)),
          );
        if (
          options.load &&
          event.node === options.burstAfter &&
          event.step === 'ready' &&
          event.status === 'done'
        )
          for (let i = 0; i < 10; i++)
            spanning.push(
              cluster.api.createTask({ kind: 'noop', args: { sleepMs: 300 } }).then(({ id }) => {
                options.load!.taskIds.push(id);
                burst.push(id);
              }),
            );
      },
    });
    await Promise.all(spanning);
    return { events, burst };
  };
  /** Every request answered, every task succeeded in its first attempt; the figures for the note. */
  const settle = async (scenario: string, report: LoadReport): Promise<TaskDto[]> => {
    const tasks = await finalTasks(cluster.api, report.taskIds, 90_000);
    const lost = tasks.filter((task) => task.state !== 'succeeded' || task.attempts !== 1);
    figures.push({
      scenario,
      requests: report.requests,
      failedRequests: report.failedRequests.length,
      tasks: tasks.length,
      lostTasks: lost.length,
    });
    expect(report.failedRequests).toEqual([]);
    expect(lost.map((task) => `${task.id} ${task.state} after ${task.attempts} attempt(s)`)).toEqual([]);
    return tasks;
  };
  const doneAt = (events: NodeEvent[], node: string, step: string) =>
    events.find((event) => event.node === node && event.step === step && event.status === 'done')?.at ?? NaN;
  const startedAt = (events: NodeEvent[], node: string, step: string) =>
    events.find((event) => event.node === node && event.step === step && event.status === 'started')?.at ??
    NaN;
  const lines = (events: NodeEvent[], node: string, step: string) =>
    events.filter((event) => event.node === node && event.step === step).map((event) => event.detail);

  it(`provisions two ${N} nodes beside the sandbox's own (${N} too)`, async () => {
    expect((await pingNode(cluster.info.nodes[0]!.url))?.version).toBe(N);
    for (const [index, sshd] of hosts.entries()) {
      const name = `remote-${index + 1}`;
      const host = await remoteHostEntry(sshd, {
        id: `host-${name}`,
        clusterId: cluster.access.clusterId,
        name,
        installRoot: path.join(dir, name),
      });
      cleanups.push(() => stopSupervisor(host.installRoot));
      nodes.push({ host, auth: { kind: 'key', privateKey: sshd.clientPrivateKey } });
    }
    const provisioned = await Promise.all(
      nodes.map((entry) =>
        provisionNode({ ...entry, bundle: bundles[N]!, cluster: cluster.access, onEvent: () => undefined }),
      ),
    );
    expect(provisioned).toEqual([true, true]);
    await cluster.api.setDrain('node-1', true);
    expect(await schema()).toMatchObject({ version: 8, compatibleFrom: null, pending: [] });
  }, 180_000);

  it(`1. expands ${N} → ${N1} one node at a time: old and new nodes share the database, nothing fails`, async () => {
    const load = startSteadyLoad(cluster.api, LOAD);
    const { events, burst } = await roll({ bundle: bundles[N1]!, load: load.report, burstAfter: 'remote-1' });
    const report = await load.stop();
    const tasks = await settle(`1 expand ${N} -> ${N1}`, report);

    // Before the roll: what the version brings, and that no contract will wait.
    expect(lines(events, CLUSTER_EVENTS, 'schema')).toEqual([
      '',
      'PASS expand 005-cancel-requested-at: runs while the older nodes keep serving',
      `PASS contract 006-drop-login-failures: runs at once (every node must run ${N} or later, and every node does)`,
      `${N1} brings 2 migration(s): 1 expand, 1 contract`,
    ]);
    // Beside each node's version, the schema: the expand ran when remote-1 started.
    expect(lines(events, 'remote-1', 'schema').at(-1)).toBe(
      `remote-1 runs ${N1}; schema 8, serves ${N} and later`,
    );
    expect(await schema()).toMatchObject({ version: 8, compatibleFrom: N, pending: [] });

    // From the expand (applied as remote-1 started the new version) until remote-2's drain, remote-2
    // still ran the old one: it kept taking tasks, and with remote-1 back both took a burst of ten.
    const expandedAt = Date.parse(
      (await schema()).applied.find((m) => m.name === '005-cancel-requested-at')!.appliedAt,
    );
    const mixedTo = startedAt(events, 'remote-2', 'drain');
    const claims = (node: string) =>
      tasks.filter(
        (task) =>
          task.node === node &&
          Date.parse(task.startedAt!) > expandedAt &&
          Date.parse(task.startedAt!) < mixedTo,
      ).length;
    const burstOn = (node: string) =>
      tasks.filter((task) => burst.includes(task.id) && task.node === node).length;
    figures.push({
      scenario: `1 mixed ${N}/${N1}: tasks started between the expand and remote-2's drain`,
      byOld: claims('remote-2'),
      byNew: claims('remote-1'),
      burstOnOld: burstOn('remote-2'),
      burstOnNew: burstOn('remote-1'),
    });
    expect(claims('remote-2')).toBeGreaterThan(0);
    expect(burstOn('remote-2')).toBeGreaterThan(0);
    expect(burstOn('remote-1')).toBeGreaterThan(0);
    // Tasks outlived each node's restart on the other node, and ended once.
    for (const [restarted, other] of [
      ['remote-1', 'remote-2'],
      ['remote-2', 'remote-1'],
    ]) {
      const restartedAt = doneAt(events, restarted!, 'restart');
      expect(
        tasks.filter(
          (task) =>
            task.node === other &&
            Date.parse(task.startedAt!) < restartedAt &&
            Date.parse(task.finishedAt!) > restartedAt,
        ).length,
        `tasks on ${other} running across ${restarted}'s restart`,
      ).toBeGreaterThan(0);
    }
  }, 240_000);

  it(`3a. rolls one node back to ${N} after the expand: the schema still serves it`, async () => {
    const load = startSteadyLoad(cluster.api, LOAD);
    const { events } = await roll({ bundle: bundles[N]!, only: 0, load: load.report });
    const report = await load.stop();
    await settle(`3a downgrade remote-1 ${N1} -> ${N} after the expand`, report);
    expect(lines(events, CLUSTER_EVENTS, 'schema').at(-1)).toBe(
      `${N} brings no migration the cluster lacks (schema 8, serves ${N} and later)`,
    );
    expect((await pingNode(nodes[0]!.host.node.publicUrl))?.version).toBe(N);
  }, 180_000);

  it(`2. contracts with ${N2} only once no ${N} node is alive, and says who holds it meanwhile`, async () => {
    const load = startSteadyLoad(cluster.api, LOAD);
    const { events } = await roll({ bundle: bundles[N2]!, load: load.report });

    // The warning before the roll: node-1 runs 0.1.0 and this roll does not upgrade it.
    expect(lines(events, CLUSTER_EVENTS, 'schema')).toContain(
      `WARN contract 007-drop-cancel-requested: waits for node-1 (${N}), which this roll does not upgrade ` +
        `(every node must run ${N1} or later); the cluster serves meanwhile, and the contract runs once they are upgraded or stopped`,
    );
    // remote-1 went from 0.1.0 straight to 0.3.0; the contract still waits for node-1.
    expect(lines(events, 'remote-2', 'schema').at(-1)).toBe(
      `remote-2 runs ${N2}; schema 8, serves ${N} and later; contract 007-drop-cancel-requested waits for node-1 (${N})`,
    );
    const waiting = await schema();
    expect(waiting.pending).toMatchObject([
      {
        name: '007-drop-cancel-requested',
        kind: 'contract',
        state: 'waiting',
        compatibleFrom: N1,
        heldBy: [{ name: 'node-1', version: N }],
      },
    ]);
    // doctor on a host says the same.
    const layout = path.join(nodes[1]!.host.installRoot, 'current');
    const doctor = await run(
      path.join(layout, 'node', 'bin', 'node'),
      [
        path.join(layout, 'server', 'flotilla-node.mjs'),
        'doctor',
        '--home',
        path.join(nodes[1]!.host.installRoot, 'home'),
        '--json',
      ],
      { maxBuffer: 4 * 1024 ** 2 },
    );
    const report = JSON.parse(doctor.stdout) as {
      checks: { name: string; detail: string }[];
      schema: SchemaStateDto;
    };
    expect(report.schema.pending[0]?.heldBy).toEqual([{ name: 'node-1', version: N }]);
    expect(report.checks).toContainEqual({
      name: 'migration',
      ok: true,
      detail: `contract 007-drop-cancel-requested waits for node-1 (${N}): every node must run ${N1} or later`,
    });

    // The last old node goes (a clean stop): a new node's next try contracts, the cluster serving on.
    process.kill(cluster.info.nodes[0]!.pid, 'SIGTERM');
    await expect.poll(async () => (await schema()).compatibleFrom, { timeout: 20_000 }).toBe(N1);
    const report2 = await load.stop();
    await settle(`2 contract ${N1} -> ${N2}`, report2);
    expect(await schema()).toMatchObject({ version: 8, compatibleFrom: N1, pending: [] });
  }, 240_000);

  it(`3b. refuses to roll a node back to ${N} after the contract, saying which version to install`, async () => {
    const refusal =
      `The database schema no longer serves flotilla-node ${N}: contract migration 007-drop-cancel-requested ` +
      `removed what versions before ${N1} use. Install flotilla-node ${N1} or later`;
    const events: NodeEvent[] = [];
    const attempt = rollingRestart({
      nodes: [nodes[0]!],
      cluster: cluster.access,
      bundle: bundles[N]!,
      minHealthy: 1,
      onEvent: (event) => events.push({ ...event, at: Date.now() }),
    });
    await expect(attempt).rejects.toMatchObject({ name: 'ProvisionError', step: 'schema' });
    await expect(attempt).rejects.toThrow(refusal);
    // Refused before anything was staged: the node still runs 0.3.0, and would after a restart.
    expect(events.map((event) => event.step)).toEqual(['schema', 'schema']);
    expect((await pingNode(nodes[0]!.host.node.publicUrl))?.version).toBe(N2);
    // A 0.1.0 node started by hand refuses with the same words, and says what the cluster runs.
    const started = await run(process.execPath, [
      repoServerNodeCli(),
      'run',
      '--home',
      path.join(cluster.dir, 'node-1'),
    ]).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    );
    expect(started.code).toBe(1);
    expect(started.output).toContain(`${refusal} on this host (the cluster's nodes run ${N2}).`);
  }, 120_000);

  it(`4-5. two ${N2} nodes started at one moment: one migrates (a backfill over 20,000 rows while a ${N} node serves), the other waits`, async () => {
    const rows = 20_000;
    const old = await new TestCluster().create({ nodes: 1 });
    cleanups.push(() => old.destroy());
    await old.db.query(
      `insert into tasks (kind, state, node, attempts, cancel_requested, started_at, finished_at)
       select 'noop', case when i % 20 = 0 then 'canceled' else 'succeeded' end, 'node-1', 1, i % 20 = 0, now(), now()
       from generate_series(1, $1::int) i`,
      [rows],
    );
    const unpacked = await unpackBundle(bundles[N2]!, path.join(dir, 'local'));
    const keyFile = path.join(old.dir, 'master.key');
    const { masterKey } = JSON.parse(
      await readFile(path.join(old.node('node-1').home, 'flotilla.json'), 'utf8'),
    ) as {
      masterKey: string;
    };
    await writeFile(keyFile, masterKey, { mode: 0o600 });
    const homes: Record<string, { home: string; url: string; log: string }> = {};
    for (const name of ['node-a', 'node-b']) {
      const port = await findFreePort(0);
      const home = path.join(old.dir, name);
      // Joined with this build (0.1.0): joining migrates nothing new.
      await run(process.execPath, [
        repoServerNodeCli(),
        'init',
        '--home',
        home,
        '--db',
        old.dbUrl,
        '--shared',
        path.join(old.dir, 'shared'),
        '--name',
        name,
        '--listen',
        `127.0.0.1:${port}`,
        '--master-key-file',
        keyFile,
      ]);
      homes[name] = { home, url: `http://127.0.0.1:${port}`, log: path.join(old.dir, `${name}.log`) };
    }
    // A session left open on login_failures (a forgotten psql would do) makes whoever migrates wait
    // at 006's drop, so the two overlap however fast each process boots.
    const forgotten = await old.db.connect();
    await forgotten.query('begin');
    await forgotten.query('select count(*) from login_failures');

    const reads = measureReads(old.node('node-1').url, old.apiKey);
    const window = watchBackfill(old);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const children: ChildProcess[] = ['node-a', 'node-b'].map((name) =>
      spawnLogged(unpacked.node, [unpacked.cli, 'run', '--home', homes[name]!.home], homes[name]!.log),
    );
    for (const child of children) cleanups.push(() => stopProcess(child, 15_000));

    const log = (name: string) => readFile(homes[name]!.log, 'utf8').catch(() => '');
    let waiter = '';
    let migrator = '';
    await expect
      .poll(
        async () => {
          for (const [name, other] of [
            ['node-a', 'node-b'],
            ['node-b', 'node-a'],
          ] as const)
            if (
              new RegExp(`waiting for the schema: ${other} is migrating the schema`).test(await log(name))
            ) {
              [waiter, migrator] = [name, other];
              return true;
            }
          return false;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await forgotten.query('commit');
    forgotten.release();
    for (const name of ['node-a', 'node-b'])
      await expect
        .poll(async () => (await pingNode(homes[name]!.url))?.state, { timeout: 60_000 })
        .toBe('running');
    const backfill = await window.stop();
    const measured = await reads.stop();

    expect(await log(migrator)).toContain('applied expand 005-cancel-requested-at');
    expect(await log(waiter)).not.toContain('applied expand');
    const state = (await old.api<{ schema: SchemaStateDto }>('GET', CLUSTER_PATH)).body.schema;
    expect(state).toMatchObject({ version: 8, compatibleFrom: N });
    expect(state.pending).toMatchObject([
      { name: '007-drop-cancel-requested', heldBy: [{ name: 'node-1', version: N }] },
    ]);
    const left = await old.db.query<{ n: number }>(
      `select count(*)::int as n from tasks where cancel_requested and cancel_requested_at is null`,
    );
    expect(left.rows[0]).toEqual({ n: 0 });

    const summary = (from: number, to: number) => {
      const ms = measured.filter((read) => read.at >= from && read.at < to && read.ok).map((read) => read.ms);
      return {
        reads: ms.length,
        p50Ms: percentile(ms, 50),
        p99Ms: percentile(ms, 99),
        maxMs: percentile(ms, 100),
      };
    };
    figures.push({
      scenario: '4-5 two nodes at once; backfill',
      migrator,
      waiter,
      rows,
      backfillMs: Math.round(backfill.to - backfill.from),
      before: summary(backfill.from - 2000, backfill.from),
      duringBackfill: summary(backfill.from, backfill.to),
      failedReads: measured.filter((read) => !read.ok).length,
    });
    // Reported, not asserted: what the backfill costs reads. Failures are asserted.
    expect(measured.filter((read) => !read.ok)).toEqual([]);
    expect(backfill.to).toBeGreaterThan(backfill.from);
  }, 180_000);
});

/** Runs a process with its output in `logFile` (a node's log, as a service manager keeps it). */
function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  const flush = () => void writeFile(logFile, Buffer.concat(chunks)).catch(() => undefined);
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      flush();
    });
  return child;
}

interface Read {
  at: number;
  ms: number;
  ok: boolean;
}

/** API reads against one node every 20 ms (the task list and the cluster, in turn), timed. */
function measureReads(url: string, apiKey: string) {
  const reads: Read[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const at = Date.now();
      const started = performance.now();
      const ok = await fetch(`${url}${i % 2 === 0 ? `${TASKS_PATH}?limit=50` : CLUSTER_PATH}`, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200;
        },
        () => false,
      );
      reads.push({ at, ms: performance.now() - started, ok });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return reads;
    },
  };
}

/** When 005's backfill ran: from its step 1 appearing in flotilla_migration_runs to the row going. */
function watchBackfill(cluster: TestCluster) {
  let from = 0;
  let to = 0;
  let running = true;
  const loop = (async () => {
    while (running && !to) {
      const row = await cluster.db
        .query<{ step: number }>(
          `select step from flotilla_migration_runs where name = '005-cancel-requested-at'`,
        )
        .catch(() => ({ rows: [] as { step: number }[] }));
      const step = row.rows[0]?.step ?? null;
      if (!from && step !== null && step >= 1) from = Date.now();
      if (from && step === null) to = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { from, to };
    },
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return Math.round(sorted[rank - 1]! * 10) / 10;
}
