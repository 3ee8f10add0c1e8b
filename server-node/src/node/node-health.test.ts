import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { NodeHealth } from './node-health.js';

const pools: pg.Pool[] = [];

/** A real pool of `max` connections and the node's health watching it (no shared folder, heartbeats fine). */
function watchedPool(max: number): { pool: pg.Pool; health: NodeHealth } {
  const pool = new pg.Pool({ connectionString: inject('pgAdminUrl'), max });
  pools.push(pool);
  const health = new NodeHealth({
    node: 'node-1',
    pool,
    poolMax: max,
    heartbeatMs: () => 1000,
    heartbeat: () => ({ okAt: performance.now(), error: null }),
    shared: () => ({ dir: '', clusterId: '' }),
    log: pino({ level: 'silent' }),
  });
  return { pool, health };
}

/** Samples the pool as the runtime does (every 100 ms) for `ms`, collecting every problem seen. */
async function sample(health: NodeHealth, ms: number): Promise<string[]> {
  const problems: string[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    health.tick();
    const problem = health.poolProblem();
    if (problem) problems.push(problem);
    await sleep(100);
  }
  return problems;
}

afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

describe('node health: the database pool', () => {
  it('is not exhausted while a queue of requests keeps getting connections (busy, not stuck)', async () => {
    const { pool, health } = watchedPool(2);
    let running = true;
    // Eight clients for two connections: someone is always waiting, and everyone is served in turn.
    const clients = Array.from({ length: 8 }, async () => {
      while (running) await pool.query('select pg_sleep(0.03)');
    });
    const problems = await sample(health, 2500);
    running = false;
    await Promise.all(clients);
    expect(problems).toEqual([]);
  });

  it('is exhausted when requests wait and no connection comes free for a second, and recovers', async () => {
    const { pool, health } = watchedPool(1);
    const held = await pool.connect();
    const waiting = pool.query('select 1');
    let problems: string[];
    try {
      problems = await sample(health, 1500);
    } finally {
      held.release();
      await waiting;
    }
    expect(problems.at(-1)).toMatch(
      /^database pool exhausted: all 1 connections busy and 1 request\(s\) waiting for 1\.\d s with none freed; look for long queries or locks in pg_stat_activity$/,
    );
    health.tick();
    expect(health.poolProblem()).toBeNull();
  });
});
