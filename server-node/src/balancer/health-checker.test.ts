import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BalancerMember } from './balancer-member.js';
import { HealthChecker } from './health-checker.js';

const OPTIONS = { intervalMs: 50, timeoutMs: 100 };

/** A member whose ping answers `pingStatus` after `pingDelayMs` (never, if null). */
async function member(state: { pingDelayMs: number | null; pingStatus: number }): Promise<BalancerMember> {
  const server = http.createServer((_request, response) => {
    if (state.pingDelayMs === null) return;
    setTimeout(() => response.writeHead(state.pingStatus).end(), state.pingDelayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new BalancerMember('node-1', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'ready');
}

const servers: http.Server[] = [];
const checkers: HealthChecker[] = [];

function check(target: BalancerMember): HealthChecker {
  const checker = new HealthChecker(target, OPTIONS, pino({ level: 'silent' }));
  checkers.push(checker);
  checker.start();
  return checker;
}

/** Keeps marking the member as answering proxied requests, as the balancer does while it serves users. */
function keepAnswering(target: BalancerMember): () => void {
  const timer = setInterval(() => (target.lastAnsweredAt = Date.now()), 10);
  return () => clearInterval(timer);
}

afterEach(() => {
  for (const checker of checkers.splice(0)) checker.stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('health checker', () => {
  it('takes a member whose pings time out out of rotation', async () => {
    const state = { pingDelayMs: 0 as number | null, pingStatus: 200 };
    const target = await member(state);
    await check(target).firstCheck;
    expect(target.health.status).toBe('up');
    state.pingDelayMs = null;
    await expect.poll(() => target.health.status, { timeout: 2000 }).toBe('down');
  });

  it('keeps a member that answers requests while its pings time out (busy, not dead)', async () => {
    const state = { pingDelayMs: 0 as number | null, pingStatus: 200 };
    const target = await member(state);
    await check(target).firstCheck;
    const stop = keepAnswering(target);
    state.pingDelayMs = null;
    // Six intervals with no ping answered: without the requests it would be down after two.
    await new Promise((resolve) => setTimeout(resolve, 6 * (OPTIONS.intervalMs + OPTIONS.timeoutMs)));
    expect(target.health.status).toBe('up');
    stop();
    await expect.poll(() => target.health.status, { timeout: 2000 }).toBe('down');
  });

  it('keeps a draining member out of new requests while its pings time out', async () => {
    const state = { pingDelayMs: 0 as number | null, pingStatus: 503 };
    const target = await member(state);
    await check(target).firstCheck;
    await expect.poll(() => target.health.notReady).toBe(true);
    const stop = keepAnswering(target);
    state.pingDelayMs = null;
    await new Promise((resolve) => setTimeout(resolve, 4 * (OPTIONS.intervalMs + OPTIONS.timeoutMs)));
    expect(target.health.notReady).toBe(true);
    expect(target.routable).toBe(false);
    stop();
  });

  it('does not count answers from before the ping was sent', async () => {
    const state = { pingDelayMs: null as number | null, pingStatus: 200 };
    const target = await member(state);
    target.lastAnsweredAt = Date.now() - 5;
    const checker = check(target);
    await checker.firstCheck;
    expect(target.health.status).toBe('down');
  });
});
