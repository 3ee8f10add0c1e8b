import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BalancerStatsDto } from '@flotilla/server-node/api';
import { BALANCER_STATS_PATH, CLUSTER_PATH, NODE_PING_PATH } from '@flotilla/server-node/api';
import { startBenchPostgres } from '@flotilla/server-node/bench/bench-postgres';
import { FlotillaCluster } from '@flotilla/server-node/bench/flotilla-cluster';
import { Cleanup, log, round1 } from '@flotilla/server-node/bench/util';
import {
  spawnBalancer,
  spawnNode,
  stopProcess,
  waitForNode,
} from '@flotilla/server-node/sandbox/node-process';
import { balancerMember } from '../services/balancer/balancer-member.js';
import { LocalHaproxy } from '../services/balancer/local-haproxy.js';
import { findFreePort } from '@flotilla/server-node/net/free-port';

// `npm run bench:failover`: how many user requests a node crash costs behind each balancer, how long
// the dead node stays in rotation, and what the balancer costs in requests/s. Prints one JSON object
// on stdout; progress goes to stderr. Loopback only, every loop bounded in time.

const STEADY_RPS = 500;
const LOAD_MS = 12_000;
const KILL_AT_MS = 2000;
/** Restart the victim once its old row has gone offline (3 s), or it would be refused as a duplicate. */
const RESTART_AT_MS = 6000;
const THROUGHPUT_MS = 3000;
const THROUGHPUT_CONCURRENCY = 20;

interface Balancer {
  url: string;
  stats(): Promise<BalancerStatsDto>;
  stop(): Promise<void>;
}

interface FailoverResult {
  requests: number;
  failedRequests: number;
  outOfRotationMs: number | null;
  backInRotationMs: number | null;
  rpsThroughBalancer: number;
  rpsDirect: number;
  overhead: number;
}

/** Steady open-loop GET load: a batch every 10 ms, whatever the answers' speed, for `ms`. */
async function steadyLoad(url: string, headers: Record<string, string>, ms: number) {
  let requests = 0;
  let failed = 0;
  const errors = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const perTick = STEADY_RPS / 100;
  for (let tick = 0; performance.now() - started < ms; tick++) {
    for (let i = 0; i < perTick; i++) {
      requests++;
      const request = fetch(url, { headers, signal: AbortSignal.timeout(10_000) })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        })
        .catch((error: Error & { cause?: { code?: string; message?: string } }) => {
          failed++;
          // fetch says only "fetch failed"; the cause says how (reset mid-response, refused, timeout).
          const reason = error.cause?.code ?? error.cause?.message ?? error.message;
          errors.set(reason, (errors.get(reason) ?? 0) + 1);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    const next = started + (tick + 1) * 10;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(inFlight);
  return { requests, failed, errors: Object.fromEntries(errors) };
}

/** Closed loop: as many trivial requests as `THROUGHPUT_CONCURRENCY` workers can push, per second. */
async function throughput(url: string): Promise<number> {
  let done = 0;
  const deadline = performance.now() + THROUGHPUT_MS;
  await Promise.all(
    Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const response = await fetch(url).catch(() => null);
        await response?.arrayBuffer();
        if (response?.status === 200) done++;
      }
    }),
  );
  return Math.round(done / (THROUGHPUT_MS / 1000));
}

/** Polls the balancer's stats until `check` holds for `server`; the elapsed ms from `since`, or null. */
async function timeUntil(
  balancer: Balancer,
  server: string,
  check: (stats: BalancerStatsDto['servers'][number]) => boolean,
  since: number,
  timeoutMs: number,
): Promise<number | null> {
  while (performance.now() - since < timeoutMs) {
    const stats = await balancer.stats().catch(() => null);
    const entry = stats?.servers.find((s) => s.name === server);
    if (entry && check(entry)) return round1(performance.now() - since);
    await sleep(25);
  }
  return null;
}

async function startHaproxy(cluster: FlotillaCluster, dir: string): Promise<Balancer> {
  const haproxy = await LocalHaproxy.start({
    dir: path.join(dir, 'haproxy'),
    servers: cluster.nodes.map((node) => balancerMember(node.name, node.url)),
  });
  return { url: haproxy.url, stats: () => haproxy.balancer.stats(), stop: () => haproxy.stop() };
}

async function startBuiltin(cluster: FlotillaCluster, dir: string): Promise<Balancer> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'balancer.log');
  const child: ChildProcess = spawnBalancer(`127.0.0.1:${port}`, path.join(cluster.dir, 'node-1'), logFile);
  await waitForNode(url, child, logFile);
  const headers = { authorization: `Bearer ${cluster.apiKey}` };
  return {
    url,
    stats: async () =>
      (await (await fetch(`${url}${BALANCER_STATS_PATH}`, { headers })).json()) as BalancerStatsDto,
    stop: () => stopProcess(child),
  };
}

async function measure(
  kind: string,
  cluster: FlotillaCluster,
  balancer: Balancer,
  victimName: string,
): Promise<FailoverResult> {
  const victim = cluster.nodes.find((node) => node.name === victimName)!;
  const headers = { authorization: `Bearer ${cluster.apiKey}` };
  log(`${kind}: throughput through the balancer and straight to ${cluster.nodes[0]!.name}`);
  const rpsThroughBalancer = await throughput(balancer.url + NODE_PING_PATH);
  const rpsDirect = await throughput(cluster.nodes[0]!.url + NODE_PING_PATH);

  log(`${kind}: ${STEADY_RPS} req/s for ${LOAD_MS} ms; SIGKILL ${victimName} at ${KILL_AT_MS} ms`);
  const load = steadyLoad(balancer.url + CLUSTER_PATH, headers, LOAD_MS);
  await sleep(KILL_AT_MS);
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  const outOfRotationMs = await timeUntil(
    balancer,
    victimName,
    (s) => s.checkStatus === 'down',
    killedAt,
    10_000,
  );
  await sleep(Math.max(0, RESTART_AT_MS - KILL_AT_MS - (performance.now() - killedAt)));
  const restartedAt = performance.now();
  victim.child = spawnNode(path.join(cluster.dir, victimName), victim.logFile);
  const backInRotationMs = await timeUntil(
    balancer,
    victimName,
    (s) => s.checkStatus === 'up' && s.adminState === 'ready',
    restartedAt,
    15_000,
  );
  const { requests, failed, errors } = await load;
  if (failed > 0) log(`${kind}: failures ${JSON.stringify(errors)}`);
  return {
    requests,
    failedRequests: failed,
    outOfRotationMs,
    backInRotationMs,
    rpsThroughBalancer,
    rpsDirect,
    overhead: Math.round((rpsThroughBalancer / rpsDirect) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup.runAll().finally(() => process.exit(130)));
  }
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-failover-bench-'));
    cleanup.add('remove bench dir', () => rm(dir, { recursive: true, force: true }));
    const postgres = await startBenchPostgres(cleanup, ['flotilla'], { pgStats: false });
    const cluster = await FlotillaCluster.start(postgres.url('flotilla'), cleanup, { nodes: 3, taskCap: 5 });
    // The restarted victims are new processes: stop whatever runs at the end, by name.
    cleanup.add('stop restarted nodes', () =>
      Promise.all(cluster.nodes.map((node) => stopProcess(node.child))),
    );

    const haproxy = await startHaproxy(cluster, dir);
    cleanup.add('stop haproxy', () => haproxy.stop());
    const haproxyResult = await measure('haproxy', cluster, haproxy, 'node-2');
    await haproxy.stop();

    const builtin = await startBuiltin(cluster, dir);
    cleanup.add('stop built-in balancer', () => builtin.stop());
    const builtinResult = await measure('builtin', cluster, builtin, 'node-3');
    await builtin.stop();

    process.stdout.write(
      JSON.stringify({
        haproxy: haproxyResult,
        builtin: builtinResult,
        builtinVsHaproxyRps:
          Math.round((builtinResult.rpsThroughBalancer / haproxyResult.rpsThroughBalancer) * 100) / 100,
        steadyRps: STEADY_RPS,
      }) + '\n',
    );
  } finally {
    await cleanup.runAll();
  }
}

await main();
