import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { initNode } from '../cluster/init-node.js';
import { readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { CLI_MAIN } from '../sandbox/node-process.js';
import { startPgBouncer, type PgBouncer } from '../test-support/pgbouncer.js';
import { TestCluster } from '../test-support/test-cluster.js';

// PgBouncer in transaction mode hands each transaction whichever server connection is free: named
// prepared statements, LISTEN and session advisory locks do not survive that. A node given
// `dbSessionUrl` sends unnamed statements through the pooler and keeps LISTEN and the migration lock
// on the session URL; one given only the pooled URL refuses to start, saying what to set.

const POOL_SIZE = 4;

describe('a cluster behind PgBouncer in transaction mode', () => {
  const cluster = new TestCluster();
  let bouncer: PgBouncer;
  let database = '';

  beforeAll(async () => {
    bouncer = await startPgBouncer(inject('pgAdminUrl'), { poolMode: 'transaction', poolSize: POOL_SIZE });
    await cluster.create({
      nodes: 2,
      dbUrlFor: (_name, dbUrl) => bouncer.through(dbUrl),
      sessionUrlFor: (_name, dbUrl) => dbUrl,
    });
    database = new URL(cluster.dbUrl).pathname.slice(1);
  });
  afterAll(async () => {
    await cluster.destroy();
    await bouncer?.stop();
  });

  it('runs every task exactly once through the pooler, on at most its pool of server connections', async () => {
    const config = await readNodeConfig(cluster.node('node-1').home);
    expect(new URL(config.dbUrl).port).toBe(String(bouncer.port));
    expect(config.dbSessionUrl).toBe(cluster.dbUrl);

    const ids = await cluster.queue('noop', { sleepMs: 5 }, 150);
    let serversAtMost = 0;
    await expect
      .poll(
        async () => {
          serversAtMost = Math.max(serversAtMost, await bouncer.servers(database));
          return (await cluster.tasks('limit=1000')).filter((task) => task.state === 'succeeded').length;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(ids.length);
    const attempts = await cluster.db.query<{ attempts: number; n: string }>(
      `select attempts, count(*)::text as n from tasks group by attempts`,
    );
    expect(attempts.rows).toEqual([{ attempts: 1, n: String(ids.length) }]);
    const ran = await cluster.db.query<{ node: string }>(`select distinct node from tasks order by node`);
    expect(ran.rows.map((row) => row.node)).toEqual(['node-1', 'node-2']);
    // 2 nodes × (10 + 1) pooled clients, served by POOL_SIZE server connections.
    expect(serversAtMost).toBeGreaterThan(0);
    expect(serversAtMost).toBeLessThanOrEqual(POOL_SIZE);
    // A named statement would have been prepared on one server connection and run on another.
    for (const node of cluster.nodes.values()) {
      expect(readFileSync(node.logFile, 'utf8')).not.toMatch(
        /prepared statement .* (does not exist|already exists)/,
      );
    }
  });

  it('wakes an idle node through LISTEN on the session URL, not its poller', async () => {
    // Each node is idle; a NOTIFY from the queueing statement must reach it well before its 1 s poll.
    const pickups: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [id] = await cluster.queue('noop', { sleepMs: 0 });
      await expect
        .poll(
          async () =>
            (await cluster.db.query(`select 1 from tasks where id = $1 and state = 'succeeded'`, [id]))
              .rowCount,
          { interval: 20 },
        )
        .toBe(1);
      const row = await cluster.db.query<{ ms: number }>(
        `select extract(epoch from started_at - queued_at) * 1000 as ms from tasks where id = $1`,
        [id],
      );
      pickups.push(Number(row.rows[0]!.ms));
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    pickups.sort((a, b) => a - b);
    console.log(`pickup through PgBouncer, idle nodes: ${pickups.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    // The 1 s poller alone would put 4 of 5 pickups under 300 ms about 3 % of the time.
    expect(pickups[3]!).toBeLessThan(300);
  });

  it('refuses to start a node given only the pooled URL, and says what to set', async () => {
    const home = path.join(cluster.dir, 'pooled-only');
    const masterKey = (await readNodeConfig(cluster.node('node-1').home)).masterKey;
    await initNode({
      home,
      dbUrl: bouncer.through(cluster.dbUrl),
      name: 'pooled-only',
      listen: { host: '127.0.0.1', port: await findFreePort(0) },
      masterKey,
    });
    const child = spawn(process.execPath, [CLI_MAIN, 'run', '--home', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(
      `Notifications do not reach this node's LISTEN connection (postgres://postgres:***@127.0.0.1:${bouncer.port}/${database})`,
    );
    expect(output).toContain('set dbSessionUrl in flotilla.json (or init --db-session-url)');
    expect(output).not.toContain(new URL(cluster.dbUrl).password);
    const row = await cluster.db.query(`select 1 from nodes where name = 'pooled-only'`);
    expect(row.rowCount).toBe(0);
  });
});
