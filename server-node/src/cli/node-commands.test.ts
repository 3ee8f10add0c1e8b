import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryDto, ClusterDto, NodeDto, PingDto } from '../api/index.js';
import { CLI_MAIN, spawnNode, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { findFreePort } from '../net/free-port.js';
import { readNodeConfig } from '../config/node-config.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI_MAIN, ...args], { timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('node, doctor and path commands on a running cluster', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
  });
  afterAll(() => cluster.destroy());

  it('drains a node and waits until its tasks are done', async () => {
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 0 });
    await cluster.queue('noop', { sleepMs: 1500 }, 2);
    await expect.poll(async () => (await cluster.tasks('state=executing&node=node-2')).length).toBe(2);
    const drained = await cli(
      'node',
      '--home',
      cluster.node('node-2').home,
      '--drain',
      'true',
      '--wait',
      '20',
    );
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/node-2: draining, task cap 5, 2 running/);
    expect(drained.stdout).toMatch(/task\(s\) still running/);
    expect(drained.stdout).toMatch(/node-2: no tasks running\./);
    expect(
      ((await (await fetch(`${cluster.node('node-2').url}/api/nodes/ping`)).json()) as PingDto).state,
    ).toBe('draining');
    // Changes made from the command line are audited like the API's.
    const audit = (await cluster.api<AuditEntryDto[]>('GET', '/api/audit')).body;
    expect(audit.find((entry) => entry.action === 'node.drain' && entry.target === 'node-2')?.actor).toMatch(
      /^cli@/,
    );
  });

  it('gives up after --wait without --cancel-tasks, and cancels with it', async () => {
    await cli('node', '--home', cluster.node('node-2').home, '--drain', 'false');
    await cluster.queue('script', { script: 'sleep 60' });
    await expect.poll(async () => (await cluster.tasks('state=executing&node=node-2')).length).toBe(1);
    const home = cluster.node('node-2').home;
    const timedOut = await cli('node', '--home', home, '--drain', 'true', '--wait', '1');
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/tasks are still running\. Wait longer, or add --cancel-tasks/);
    const canceled = await cli('node', '--home', home, '--drain', 'true', '--wait', '0', '--cancel-tasks');
    expect(canceled.code).toBe(0);
    expect(canceled.stdout).toMatch(/canceling task \d+ \(script\)/);
    expect((await cluster.tasks('kind=script'))[0]?.state).toBe('canceled');
  });

  it('sets the task cap from the command line, live', async () => {
    const result = await cli('node', '--home', cluster.node('node-1').home, '--task-cap', '3');
    expect(result.code).toBe(0);
    const nodes = (await cluster.api<NodeDto[]>('GET', '/api/nodes')).body;
    expect(nodes.find((n) => n.name === 'node-1')?.taskCap).toBe(3);
  });

  it('doctor passes on a healthy node and names what fails', async () => {
    const healthy = await cli('doctor', '--home', cluster.node('node-1').home, '--json');
    const report = JSON.parse(healthy.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(healthy.code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual([
      'config',
      'database',
      'clock',
      'schema',
      'cluster',
      'master key',
      'shared storage',
    ]);
    expect(report.ok).toBe(true);
    const missing = await cli('doctor', '--home', path.join(cluster.dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/FAIL {2}config/);
  });

  it('moves the shared storage for the whole cluster, with its sentinel', async () => {
    const newShared = path.join(cluster.dir, 'shared-2');
    const moved = await cli('path', '--home', cluster.node('node-1').home, '--shared', newShared);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/is now .*shared-2/);
    expect((await cluster.api<ClusterDto>('GET', '/api/cluster')).body.sharedDir).toBe(newShared);
    const doctor = await cli('doctor', '--home', cluster.node('node-2').home);
    expect(doctor.stdout).toMatch(/PASS {2}shared storage {2}.*shared-2: sentinel found, writable/);
  });
});

describe('a node with the embedded default database', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('initialises its own PostgreSQL, runs on it, and stops it on shutdown', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-embedded-'));
    // As root, the embedded PostgreSQL runs as user postgres, which must be able to enter the folder.
    await chmod(dir, 0o755);
    const home = path.join(dir, 'home');
    const port = await findFreePort(0);
    const init = await cli('init', '--home', home, '--listen', `127.0.0.1:${port}`, '--name', 'solo');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/Created cluster .* with node 'solo'/);
    expect(init.stdout).toMatch(/database: {7}embedded PostgreSQL in .*pgdata/);
    expect(init.stdout).toMatch(/Administrator API key \(shown once, store it now\):\n {2}flt_/);
    const apiKey = /(flt_\S+)/.exec(init.stdout)![1]!;
    const config = await readNodeConfig(home);

    const logFile = path.join(dir, 'solo.log');
    const child = spawnNode(home, logFile);
    await waitForNode(config.publicUrl, child, logFile);
    const response = await fetch(`${config.publicUrl}/api/nodes`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(((await response.json()) as NodeDto[]).map((n) => [n.name, n.state])).toEqual([
      ['solo', 'running'],
    ]);
    await stopProcess(child);
    expect(child.exitCode).toBe(0);
    // The database went down with the node: the port is free again.
    await expect(findFreePort(config.embedded!.port)).resolves.toBe(config.embedded!.port);
  });
});
