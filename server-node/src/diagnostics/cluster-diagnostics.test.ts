import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BalancerStatsDto, DiagnosticsDto, ErrorDto, NodeSelfCheckDto } from '../api/index.js';
import {
  BALANCER_STATS_PATH,
  DIAGNOSTICS_PATH,
  SUPPORT_BUNDLE_PATH,
  balancerFindings,
  balancerServerPath,
  nodeLogPath,
  nodeSelfCheckPath,
} from '../api/index.js';
import type { RunningBalancer } from '../balancer/start-balancer.js';
import { startBalancer } from '../balancer/start-balancer.js';
import { SENTINEL_FILE } from '../cluster/shared-storage.js';
import { readNodeConfig, writeNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { forEachEntry } from '../packages/archive-entries.js';
import { CLI_MAIN } from '../sandbox/node-process.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { createUser } from '../test-support/users.js';

const run = promisify(execFile);

// Each fault is made for real on one cluster: node-2's clock reading is shifted (a test-only setting:
// one host has one clock), node-3 reports another version (a test-only setting: building and starting
// an older bundle takes minutes; the upgrade tests do that), node-4 runs in a mount namespace of its
// own where a copy of the share (sentinel included) is mounted at the cluster's shared path, a task row
// is left executing on a node that does not exist while a transaction holds it, and a balancer member
// is set to maint while its node serves.
describe('the cluster check', () => {
  const cluster = new TestCluster();
  let balancer: RunningBalancer;

  const diagnostics = async () => (await cluster.api<DiagnosticsDto>('GET', DIAGNOSTICS_PATH)).body;
  const finding = async (check: string, node: string) =>
    (await diagnostics()).findings.find((found) => found.check === check && found.nodes.includes(node)) ??
    null;

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    await cluster.addNode('node-2', cluster.dbUrl, { env: { FLOTILLA_TEST_CLOCK_OFFSET_MS: '-4000' } });
    await cluster.addNode('node-3', cluster.dbUrl, { env: { FLOTILLA_TEST_REPORTED_VERSION: '0.0.9' } });
    const elsewhere = path.join(cluster.dir, 'local-copy');
    await mkdir(elsewhere);
    await copyFile(path.join(cluster.sharedDir, SENTINEL_FILE), path.join(elsewhere, SENTINEL_FILE));
    await cluster.addNode('node-4', cluster.dbUrl, { sharedFolder: elsewhere });
    balancer = await startBalancer({
      dbUrl: cluster.dbUrl,
      host: '127.0.0.1',
      port: await findFreePort(0),
      log: pino({ level: 'silent' }),
    });
  }, 60_000);
  afterAll(async () => {
    await balancer?.stop();
    await cluster.destroy();
  });

  it("gathers every node's own check through any node", async () => {
    const report = (await cluster.api<DiagnosticsDto>('GET', DIAGNOSTICS_PATH, undefined, { node: 'node-3' }))
      .body;
    expect(report.servedBy).toBe('node-3');
    expect(report.nodes.map((node) => node.name)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    const own = report.nodes.find((node) => node.name === 'node-1')!.selfCheck!;
    expect(own.database.error).toBeNull();
    expect(own.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(own.database.masterKeyMatches).toBe(true);
    expect(own.database.schemaVersion).toBe(own.database.carriedSchemaVersion);
    expect(own.shared.sentinelProblem).toBeNull();
    expect(own.shared.freeBytes).toBeGreaterThan(0);
    expect(Math.abs(own.clockOffsetMs!)).toBeLessThan(1000);
    expect(own.openConnections).toBeGreaterThanOrEqual(1);
    expect(report.leader.node).toMatch(/^node-\d$/);
    expect(report.queue).toMatchObject({ paused: false });
  });

  it('names the node that writes to another folder than the others, and says what to do', async () => {
    await expect
      .poll(() => finding('shared-folder', 'node-4'), { timeout: 15_000 })
      .toMatchObject({
        severity: 'error',
        nodes: ['node-4'],
        meaning: expect.stringContaining('writing to a different folder than the others') as string,
        fix: `Mount the share at ${cluster.sharedDir} on node-4, then restart it.`,
      });
    const report = await diagnostics();
    expect(report.findings.filter((found) => found.check === 'shared-folder')).toHaveLength(1);
    const seen = report.nodes.find((node) => node.name === 'node-4')!.selfCheck!.shared.nodesSeen;
    expect(seen).toEqual(['node-4']);
  });

  it('sees a node whose clock is apart from the database', async () => {
    const clock = await finding('clock', 'node-2');
    expect(clock).toMatchObject({ severity: 'error' });
    // The offset is measured over a round trip, so it is 4000 ms give or take a few.
    const offset = Number(/node-2's clock is (\d+) ms behind the database's/.exec(clock!.meaning)?.[1]);
    expect(offset).toBeGreaterThan(3500);
    expect(offset).toBeLessThan(4500);
    expect(await finding('clock', 'node-1')).toBeNull();
  });

  it('sees nodes on different versions', async () => {
    const versions = await finding('versions', 'node-3');
    expect(versions!.meaning).toMatch(/node-1, node-2 and node-4 run 0\.\d+\.\d+; node-3 runs 0\.0\.9/);
    expect(versions!.fix).toMatch(/bring node-3 to/);
  });

  it('sees a task executing on a node that is not running, which the sweep cannot recover', async () => {
    const { rows } = await cluster.db.query<{ id: string }>(
      `insert into tasks (kind, state, finished_at) values ('noop', 'succeeded', now()) returning id::text`,
    );
    const id = rows[0]!.id;
    // A hung transaction holding the row: the leader's sweep (FOR UPDATE SKIP LOCKED) passes it by.
    const holder = await cluster.db.connect();
    await holder.query('begin');
    await holder.query('select id from tasks where id = $1 for key share', [id]);
    await cluster.db.query(
      `update tasks set state = 'executing', node = 'node-gone', started_at = now(), finished_at = null where id = $1`,
      [id],
    );
    const stranded = await finding('stranded-tasks', 'node-gone');
    await holder.query('rollback');
    holder.release();
    expect(stranded!.meaning).toContain(`#${id}`);
    expect(stranded!.fix).toMatch(/pg_stat_activity/);
    // With the transaction gone the leader recovers it, and the finding goes.
    await expect.poll(() => finding('stranded-tasks', 'node-gone'), { timeout: 10_000 }).toBeNull();
  });

  it('sees a queue that stalls, and says when it is paused', async () => {
    await cluster.api('PATCH', '/api/cluster', { paused: true });
    const { rows } = await cluster.db.query<{ id: string }>(
      `insert into tasks (kind, queued_at) values ('noop', now() - interval '2 minutes') returning id::text`,
    );
    const queue = await finding('queue', 'node-1');
    await cluster.api('PATCH', '/api/cluster', { paused: false });
    expect(queue!.meaning).toMatch(/oldest has waited 1[23]\d s: the queue is paused/);
    expect(queue!.fix).toMatch(/Resume the queue/);
    await expect
      .poll(async () => (await cluster.api<{ state: string }>('GET', `/api/tasks/${rows[0]!.id}`)).body.state)
      .not.toBe('queued');
    expect(await finding('queue', 'node-1')).toBeNull();
  });

  it("adds the balancer's view: a member kept from users while its node serves", async () => {
    const headers = { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' };
    const set = await fetch(`${balancer.url}${balancerServerPath('node-1')}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ state: 'maint' }),
    });
    expect(set.status).toBe(200);
    const stats = (await (
      await fetch(`${balancer.url}${BALANCER_STATS_PATH}`, { headers })
    ).json()) as BalancerStatsDto;
    const findings = balancerFindings((await diagnostics()).nodes, stats);
    expect(findings.find((found) => found.nodes[0] === 'node-1')).toMatchObject({
      check: 'balancer-down',
      meaning: expect.stringContaining('it is set to maint') as string,
    });
    expect(findings.filter((found) => found.nodes[0] !== 'node-1')).toEqual([]);

    // The CLI prints the same, with the balancer's view added.
    const keyFile = path.join(cluster.dir, 'api-key');
    await writeFile(keyFile, `${cluster.apiKey}\n`, { mode: 0o600 });
    const printed = await run(process.execPath, [
      CLI_MAIN,
      'doctor',
      '--cluster',
      '--home',
      cluster.node('node-1').home,
      '--api-key-file',
      keyFile,
      '--balancer-url',
      balancer.url,
    ]).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(printed.code).toBe(1);
    expect(printed.stdout).toContain(
      `Fix: Mount the share at ${cluster.sharedDir} on node-4, then restart it.`,
    );
    expect(printed.stdout).toMatch(/WARNING +\[balancer-down\] node-1/);
    expect(printed.stdout).toMatch(/ERROR +\[clock\] node-2/);
  });

  it('refuses hostile node names and answers parallel requests', async () => {
    for (const name of ['no"such\nnode', "o'neil", 'ünïcode', 'x'.repeat(300)]) {
      const { status, body } = await cluster.api<ErrorDto>('GET', nodeSelfCheckPath(name));
      expect(status, name).toBeGreaterThanOrEqual(400);
      expect(status, name).toBeLessThan(500);
      expect(body.error).toBeTruthy();
    }
    // Another node's check, forwarded by node-1 to node-3.
    const forwarded = await cluster.api<NodeSelfCheckDto>('GET', nodeSelfCheckPath('node-3'));
    expect(forwarded.body).toMatchObject({ name: 'node-3', version: '0.0.9' });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => cluster.api<DiagnosticsDto>('GET', DIAGNOSTICS_PATH)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    const none = await cluster.api<ErrorDto>('GET', DIAGNOSTICS_PATH, undefined, { apiKey: null });
    expect(none.status).toBe(401);
  });

  it('writes a support bundle with no secret in it, and refuses bad requests', async () => {
    const user = await createUser(cluster, 'bundle-deployer', 'deployer');
    const keyFile = path.join(cluster.dir, 'bundle-key');
    await writeFile(keyFile, cluster.apiKey, { mode: 0o600 });
    const out = path.join(cluster.dir, 'support.zip');
    await run(process.execPath, [
      CLI_MAIN,
      'support-bundle',
      '--out',
      out,
      '--url',
      cluster.node('node-2').url,
      '--api-key-file',
      keyFile,
      '--balancer-url',
      balancer.url,
    ]);
    // Read back with the product's own zip reader (it refuses unsafe paths and bombs).
    const files = new Map<string, string>();
    await forEachEntry(out, 'zip', { maxBytes: 64 * 1024 * 1024, maxEntries: 100 }, async (entry) => {
      if (entry.directory) return;
      const chunks: Buffer[] = [];
      for await (const chunk of await entry.open()) chunks.push(chunk as Buffer);
      files.set(entry.path, Buffer.concat(chunks).toString('utf8'));
    });
    expect([...files.keys()].sort()).toEqual(
      expect.arrayContaining([
        'README.txt',
        'balancer.json',
        'cluster.json',
        'diagnostics.json',
        'versions.json',
        ...['node-1', 'node-2', 'node-3', 'node-4'].flatMap((name) => [
          `nodes/${name}/flotilla.json`,
          `nodes/${name}/node.log`,
        ]),
      ]),
    );
    expect(files.get('nodes/node-3/node.log')).toContain('"msg":"node started"');
    expect(JSON.parse(files.get('versions.json')!)).toMatchObject({ nodes: { 'node-3': '0.0.9' } });
    expect(JSON.parse(files.get('nodes/node-1/flotilla.json')!)).toMatchObject({
      name: 'node-1',
      masterKey: '(removed)',
    });
    const { masterKey } = await readNodeConfig(cluster.node('node-1').home);
    const secrets = [masterKey, new URL(cluster.dbUrl).password, cluster.apiKey, user.apiKey];
    for (const [name, text] of files)
      for (const secret of secrets)
        expect(text.includes(secret), `${secret.slice(0, 4)}… in ${name}`).toBe(false);

    const post = (body: string) =>
      fetch(`${cluster.node('node-1').url}${SUPPORT_BUNDLE_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' },
        body,
      });
    expect((await post('{"balancer": {"kind": "nginx"}}')).status).toBe(400);
    expect((await post('{"extra": 1}')).status).toBe(400);
    expect((await post('{"balancer":')).status).toBe(400);
    expect((await post(JSON.stringify({ balancer: null, pad: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(
      413,
    );
    const denied = await fetch(`${cluster.node('node-1').url}${SUPPORT_BUNDLE_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(denied.status).toBe(403);
  });

  it('names a node whose registered URL reaches another node, and never forwards twice', async () => {
    // node-4's publicUrl is edited to node-1's (a copied flotilla.json) and node-4 restarted.
    const home = cluster.node('node-4').home;
    const config = await readNodeConfig(home);
    await cluster.stopNode('node-4');
    await writeNodeConfig(home, { ...config, publicUrl: cluster.node('node-1').url });
    await cluster.start('node-4', { sharedFolder: path.join(cluster.dir, 'local-copy') });
    await expect
      .poll(async () => (await finding('node-unreachable', 'node-4'))?.meaning ?? '', { timeout: 15_000 })
      .toMatch(/node-4's registered URL reaches node-1 instead \(asked by node-1\)/);
    const log = await cluster.api<ErrorDto>('GET', nodeLogPath('node-4'), undefined, { node: 'node-2' });
    expect(log.status).toBe(502);
    expect(log.body.error).toMatch(/reaches node-1 instead/);
  });
});
