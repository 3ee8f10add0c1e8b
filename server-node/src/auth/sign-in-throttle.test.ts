import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryDto } from '../api/index.js';
import { configPath } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { spawnBalancer, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { requestFrom, signInFrom } from '../test-support/request-from.js';
import { TestCluster } from '../test-support/test-cluster.js';
import type { TestUser } from '../test-support/users.js';
import { createUser } from '../test-support/users.js';
import { ADDRESS_FREE_FAILURES, USER_FREE_FAILURES } from './login-rate-limit.js';

// Issue 15, items 1 and 2: hostile sign-ins from several client addresses (127.0.0.x are all loopback)
// against two nodes sharing one database, and through the built-in balancer.

function count(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('sign-in throttling', () => {
  const cluster = new TestCluster();
  let balancer: ChildProcess | null = null;
  let balancerUrl = '';
  let ada: TestUser;
  const nodeUrl = (i: number) => cluster.node(i % 2 === 0 ? 'node-1' : 'node-2').url;

  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
    // Trust only the balancer's own address, so a client on another loopback address counts as remote.
    for (const name of ['node-1', 'node-2']) {
      const file = configPath(cluster.node(name).home);
      const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      await writeFile(file, JSON.stringify({ ...config, trustedProxies: ['127.0.0.1'] }));
      await cluster.stopNode(name);
      await cluster.start(name);
    }
    const port = await findFreePort(0);
    balancerUrl = `http://127.0.0.1:${port}`;
    const logFile = path.join(cluster.dir, 'balancer.log');
    balancer = spawnBalancer(`127.0.0.1:${port}`, cluster.node('node-1').home, logFile);
    await waitForNode(balancerUrl, balancer, logFile);
    ada = await createUser(cluster, 'ada', 'administrator');
  });
  afterAll(async () => {
    if (balancer) await stopProcess(balancer, 5000);
    await cluster.destroy();
  });

  async function failedSignInIps(username: string): Promise<unknown[]> {
    const audit = await cluster.api<AuditEntryDto[]>('GET', '/api/audit?action=auth.login-failed&limit=500');
    return audit.body.filter((e) => e.target === username).map((e) => e.details.ip);
  }

  it('checks at most the limit of 50 parallel wrong passwords, over both nodes; the rest get 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signInFrom(nodeUrl(i), '127.0.0.1', 'ada', 'wrong')),
    );
    expect(count(answers.map((a) => a.status))).toEqual({
      401: USER_FREE_FAILURES,
      429: 50 - USER_FREE_FAILURES,
    });
    expect(await failedSignInIps('ada')).toEqual(Array(USER_FREE_FAILURES).fill('127.0.0.1'));
  });

  it('still lets the right password in from an address that has not failed, and delays, not locks, the other', async () => {
    const elsewhere = await signInFrom(nodeUrl(0), '127.0.0.2', 'ada', ada.password);
    expect(elsewhere.status).toBe(200);

    const here = await signInFrom(nodeUrl(1), '127.0.0.1', 'ada', ada.password);
    expect(here.status).toBe(429);
    expect(Number(here.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect((JSON.parse(here.body) as { error: string }).error).toMatch(
      /^Too many failed sign-ins from this address\. Try again in \d s\.$/,
    );
    // A short wait, and the right password is accepted there too.
    await expect
      .poll(async () => (await signInFrom(nodeUrl(1), '127.0.0.1', 'ada', ada.password)).status, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(200);
  });

  it('doubles the delay with every further failure', async () => {
    const gina = await createUser(cluster, 'gina', 'viewer');
    for (let i = 0; i < USER_FREE_FAILURES; i++) {
      expect((await signInFrom(nodeUrl(i), '127.0.0.8', 'gina', 'wrong')).status).toBe(401);
    }
    const waits: number[] = [];
    for (let round = 0; round < 2; round++) {
      const blocked = await signInFrom(nodeUrl(round), '127.0.0.8', 'gina', 'wrong');
      expect(blocked.status).toBe(429);
      waits.push(Number(blocked.headers['retry-after']));
      // Waiting it out buys one more try, no more.
      await expect
        .poll(async () => (await signInFrom(nodeUrl(round), '127.0.0.8', 'gina', 'wrong')).status, {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(401);
    }
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(5);
    expect(waits[1]).toBeGreaterThan(5);
    expect(waits[1]).toBeLessThanOrEqual(10);
    expect((await signInFrom(nodeUrl(0), '127.0.0.9', 'gina', gina.password)).status).toBe(200);
  });

  it('answers a flood of unknown user names from one address with 429 quickly, and the API stays responsive', async () => {
    const started = Date.now();
    let slowest429 = 0;
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const name = `nobody-${randomBytes(6).toString('hex')}`;
        const answer = await signInFrom(nodeUrl(i), '127.0.0.3', name, 'guess');
        if (answer.status === 429) slowest429 = Math.max(slowest429, Date.now() - started);
        return answer;
      }),
    ).finally(() => (flooding = false));
    const latencies: number[] = [];
    while (flooding) {
      const before = Date.now();
      expect((await cluster.api('GET', '/api/cluster')).status).toBe(200);
      latencies.push(Date.now() - before);
    }
    const answers = await flood;
    const seconds = (Date.now() - started) / 1000;
    expect(count(answers.map((a) => a.status))).toEqual({
      401: ADDRESS_FREE_FAILURES,
      429: 300 - ADDRESS_FREE_FAILURES,
    });
    // The refused ones are answered without waiting for the hashes of the few let through.
    expect(slowest429).toBeLessThan(5000);
    expect(seconds).toBeLessThan(15);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    // Another address is not affected.
    expect((await signInFrom(nodeUrl(0), '127.0.0.4', 'ada', ada.password)).status).toBe(200);
  });

  it('through the balancer, counts and audits the client, not the balancer; a forged header from a client is ignored', async () => {
    const viaBalancer = await signInFrom(balancerUrl, '127.0.0.5', 'ghost-one', 'guess', {
      'x-forwarded-for': '10.9.9.9',
    });
    expect(viaBalancer.status).toBe(401);
    expect(await failedSignInIps('ghost-one')).toEqual(['127.0.0.5']);

    const direct = await signInFrom(nodeUrl(0), '127.0.0.6', 'ghost-two', 'guess', {
      'x-forwarded-for': '10.9.9.9',
    });
    expect(direct.status).toBe(401);
    expect(await failedSignInIps('ghost-two')).toEqual(['127.0.0.6']);

    // One client's failures through the balancer do not throttle another client behind it.
    const guesses = await Promise.all(
      Array.from({ length: 20 }, () => signInFrom(balancerUrl, '127.0.0.7', 'ada', 'wrong')),
    );
    expect(count(guesses.map((a) => a.status))).toEqual({
      401: USER_FREE_FAILURES,
      429: 20 - USER_FREE_FAILURES,
    });
    expect((await signInFrom(balancerUrl, '127.0.0.10', 'ada', ada.password)).status).toBe(200);
  });

  it('refuses a form-encoded sign-in on the API, which a cross-site form could send', async () => {
    const answer = await requestFrom(`${nodeUrl(0)}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'ada', password: ada.password }).toString(),
    });
    expect(answer.status).toBe(415);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });
});
