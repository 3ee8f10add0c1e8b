import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import path from 'node:path';
import { expect, test, type SandboxCluster } from '../fixtures.js';
import { RESULTS_DIR } from '../support/repo-paths.js';

// `npm run bench:console-scale`: the web console in Chromium against a sandbox of 32 nodes (one
// embedded PostgreSQL, the built-in balancer) with 10,000 finished tasks. It measures
//   (a) the Nodes view: from a node's state change (drain / undrain through the API, a SIGKILL) to
//       the row showing it, timed in the page on every animation frame;
//   (b) the Tasks view with 10,000 tasks: time to the first render of the whole list, frame times
//       while scrolling through it (idle, and while tasks run and their events patch the list), and how long a
//       queued task takes to appear and to show `executing`;
//   (c) the built-in balancer's requests/s with 32 members.
// One JSON row per measure on stdout, all of them in test-results/console-scale.json.

const TASKS = 10_000;
const QUEUE_PARALLEL = 16;
const DRAIN_SAMPLES = 6;
const KILL_SAMPLES = 3;
const NEW_TASK_SAMPLES = 5;
const BALANCER_SECONDS = 10;
const BALANCER_CLIENTS = 32;

interface Row {
  measure: string;
  [field: string]: unknown;
}
const rows: Row[] = [];
function report(row: Row): void {
  const withLoad = { ...row, loadAvg: loadavg().map((value) => Math.round(value * 100) / 100) };
  rows.push(withLoad);
  process.stdout.write(`${JSON.stringify(withLoad)}\n`);
}

function stats(values: number[]): { samples: number; p50Ms: number; p95Ms: number; maxMs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { samples: values.length, p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(at(1)) };
}

/** Nodes SIGKILLed by the benchmark: the API is no longer asked through them. */
const killed = new Set<string>();
let nextNode = 0;

/**
 * The cluster's API, round-robin over its live nodes as bench:scale does: the balancer is measured
 * on its own in (c), and the console reaches the cluster through it.
 */
async function api<T>(cluster: SandboxCluster, method: string, urlPath: string, body?: unknown): Promise<T> {
  const live = cluster.nodes.filter((node) => !killed.has(node.name));
  const node = live[nextNode++ % live.length]!;
  const response = await fetch(`${node.url}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${cluster.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${urlPath}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The page's clock (the machine's) at the first animation frame where the node's row shows `state`. */
function rowShows(page: Page, name: string, state: string, timeoutMs = 30_000): Promise<number> {
  return page
    .waitForFunction(
      ([name, state]) =>
        document
          .querySelector(`[data-testid="node-row"][data-name="${name}"]`)
          ?.getAttribute('data-state') === state && Date.now(),
      [name, state] as const,
      { polling: 'raf', timeout: timeoutMs },
    )
    .then((handle) => handle.jsonValue() as Promise<number>);
}

/** When the cluster's API (polled every 20 ms) first says the node is `state`. */
async function apiShows(cluster: SandboxCluster, name: string, state: string): Promise<number> {
  for (;;) {
    const nodes = await api<{ name: string; state: string }[]>(cluster, 'GET', '/api/nodes').catch(() => []);
    if (nodes.find((node) => node.name === name)?.state === state) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function queueTasks(cluster: SandboxCluster, count: number, sleepMs: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: QUEUE_PARALLEL }, async () => {
      while (next < count) {
        next++;
        // A node starved of CPU by this very load may fence itself for a moment (503): the next one takes it.
        for (let attempt = 1; ; attempt++) {
          const queued = await api<{ id: string }>(cluster, 'POST', '/api/tasks', {
            kind: 'noop',
            args: { sleepMs },
            description: 'bench',
          }).catch((error: unknown) => {
            if (attempt >= 5 || !String(error).includes('HTTP 503')) throw error;
            return null;
          });
          if (queued) {
            ids.push(queued.id);
            break;
          }
        }
      }
    }),
  );
  return ids;
}

async function queueIdle(cluster: SandboxCluster): Promise<void> {
  await expect
    .poll(
      async () => {
        const { queue } = await api<{ queue: { queued: number; executing: number } }>(
          cluster,
          'GET',
          '/api/cluster',
        );
        return queue.queued + queue.executing;
      },
      { timeout: 300_000, intervals: [500] },
    )
    .toBe(0);
}

/** The intervals between animation frames and the long tasks (> 50 ms) over `ms`, the page left alone. */
function watchFrames(page: Page, ms: number) {
  return page.evaluate(async (ms) => {
    const longTasks: number[] = [];
    const observer = new PerformanceObserver((entries) => {
      for (const entry of entries.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
    const frameMs: number[] = [];
    const until = performance.now() + ms;
    let last = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    while (last < until) {
      const now = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
      frameMs.push(now - last);
      last = now;
    }
    observer.disconnect();
    return { frameMs, longTasks };
  }, ms);
}

/**
 * Scrolls the list in the page: `jumps` random jumps (time until the frame after the jump), then a
 * continuous scroll of `frames` frames, `stepPx` each (the intervals between frames). Long tasks
 * (> 50 ms on the main thread) are counted throughout.
 */
function scrollList(page: Page, jumps: number, frames: number, stepPx: number) {
  return page.evaluate(
    async ({ jumps, frames, stepPx }) => {
      const list = document.querySelector<HTMLElement>('[data-testid="task-list-scroll"]')!;
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
      const longTasks: number[] = [];
      const observer = new PerformanceObserver((entries) => {
        for (const entry of entries.getEntries()) longTasks.push(entry.duration);
      });
      observer.observe({ type: 'longtask', buffered: false });
      const jumpMs: number[] = [];
      let blank = 0;
      for (let i = 0; i < jumps; i++) {
        await frame();
        const started = performance.now();
        list.scrollTop = Math.random() * (list.scrollHeight - list.clientHeight);
        await frame();
        await frame();
        jumpMs.push(performance.now() - started);
        // Rows must be there where the list now stands, not blank space.
        const box = list.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + 40, box.top + box.height / 2);
        if (!hit?.closest('[data-testid="task-row"]')) blank++;
      }
      list.scrollTop = 0;
      await frame();
      const frameMs: number[] = [];
      let last = await frame();
      for (let i = 0; i < frames; i++) {
        list.scrollTop += stepPx;
        const now = await frame();
        frameMs.push(now - last);
        last = now;
      }
      observer.disconnect();
      return { jumpMs, frameMs, longTasks, blank };
    },
    { jumps, frames, stepPx },
  );
}

test('the console with 32 nodes and 10,000 tasks', async ({
  page,
  consoleUrl,
  sandbox,
  shell,
  clusters,
  nodes,
  tasks,
}) => {
  const count = sandbox.nodes.length;
  await shell.open(consoleUrl);
  await shell.go('Clusters');
  await clusters.fill('Scale', sandbox.balancerUrl, sandbox.apiKey);
  await clusters.save();
  await expect(clusters.dialog).toBeHidden();
  await expect(shell.connection).toHaveAttribute('data-state', 'connected');

  await test.step(`queue ${TASKS} tasks and let them finish`, async () => {
    const started = Date.now();
    await queueTasks(sandbox, TASKS, 0);
    const queuedMs = Date.now() - started;
    await queueIdle(sandbox);
    report({
      measure: 'setup',
      nodes: count,
      tasks: TASKS,
      queuedPerSec: Math.round((TASKS / queuedMs) * 1000),
      finishedAfterMs: Date.now() - started,
    });
  });

  await test.step('(a) Nodes view: drain and undrain through the API, to the row on screen', async () => {
    await shell.go('Nodes');
    await expect(nodes.rows).toHaveCount(count);
    const idle = await watchFrames(page, 10_000);
    report({
      measure: 'nodes-view 10 s of snapshots (one a second), frames',
      nodes: count,
      frames: stats(idle.frameMs),
      longTasks: idle.longTasks.length,
      longestTaskMs: Math.round(Math.max(0, ...idle.longTasks)),
    });
    const latencies: number[] = [];
    const apiMs: number[] = [];
    for (let i = 0; i < DRAIN_SAMPLES; i++) {
      const name = sandbox.nodes[(i * 5) % count]!.name;
      for (const [drain, state] of [
        [true, 'draining'],
        [false, 'running'],
      ] as const) {
        const shown = rowShows(page, name, state);
        const sent = Date.now();
        await api(sandbox, 'PATCH', `/api/nodes/${name}`, { drain });
        const changed = Date.now();
        apiMs.push(changed - sent);
        latencies.push((await shown) - changed);
      }
    }
    report({
      measure: 'nodes-view drain/undrain → row',
      nodes: count,
      ...stats(latencies),
      apiP50Ms: stats(apiMs).p50Ms,
    });
  });

  await test.step(`(c) the built-in balancer with ${count} members`, async () => {
    report({
      measure: 'balancer GET /api/nodes/ping',
      members: count,
      ...(await balancerLoad(sandbox.balancerUrl)),
    });
  });

  await test.step(`(b) Tasks view with ${TASKS} tasks: first render and scrolling`, async () => {
    for (const visit of ['first', 'again']) {
      await shell.go('Nodes');
      const started = Date.now();
      await shell.go('Tasks');
      const rendered = await page
        .waitForFunction(
          (total) =>
            document.querySelector('[data-testid="task-table"]')?.getAttribute('aria-rowcount') ===
              String(total + 1) &&
            document.querySelector('[data-testid="task-row"]') !== null &&
            Date.now(),
          TASKS,
          { polling: 'raf', timeout: 60_000 },
        )
        .then((handle) => handle.jsonValue() as Promise<number>);
      report({
        measure: `tasks-view ${visit} render of ${TASKS} tasks`,
        ms: rendered - started,
        rowsInDom: await tasks.rows.count(),
        rowHeightPx: (await tasks.rows.first().boundingBox())?.height,
      });
    }
    const idle = await scrollList(page, 30, 300, 150);
    report({
      measure: 'tasks-view scroll, idle cluster',
      jumps: stats(idle.jumpMs),
      blankAfterJump: idle.blank,
      frames: stats(idle.frameMs),
      longTasks: idle.longTasks.length,
      longestTaskMs: Math.round(Math.max(0, ...idle.longTasks)),
    });

    // Tasks running on every node: their events patch the list (one read of the named tasks per 100 ms) while it scrolls.
    const busy = queueTasks(sandbox, 2000, 300);
    await expect
      .poll(
        async () =>
          (await api<{ queue: { executing: number } }>(sandbox, 'GET', '/api/cluster')).queue.executing,
      )
      .toBeGreaterThan(0);
    const loaded = await scrollList(page, 30, 300, 150);
    report({
      measure: 'tasks-view scroll, tasks running and their events patching the list',
      jumps: stats(loaded.jumpMs),
      blankAfterJump: loaded.blank,
      frames: stats(loaded.frameMs),
      longTasks: loaded.longTasks.length,
      longestTaskMs: Math.round(Math.max(0, ...loaded.longTasks)),
    });
    await busy;
    await queueIdle(sandbox);
  });

  await test.step('(b) Tasks view: a queued task appears, then shows executing', async () => {
    await tasks.listScroll.evaluate((el) => el.scrollTo(0, 0));
    const appeared: number[] = [];
    const executing: number[] = [];
    for (let i = 0; i < NEW_TASK_SAMPLES; i++) {
      const sent = Date.now();
      const { id } = await api<{ id: string }>(sandbox, 'POST', '/api/tasks', {
        kind: 'noop',
        args: { sleepMs: 3000 },
      });
      const queuedAt = Date.now();
      const rowOf = (state: string) =>
        page
          .waitForFunction(
            ([id, state]) =>
              Array.from(document.querySelectorAll<HTMLElement>('[data-testid="task-row"]')).some(
                (row) => row.firstElementChild?.textContent === id && row.textContent?.includes(state),
              ) && Date.now(),
            [id, state] as const,
            { polling: 'raf', timeout: 30_000 },
          )
          .then((handle) => handle.jsonValue() as Promise<number>);
      appeared.push((await rowOf('')) - queuedAt);
      executing.push((await rowOf('executing')) - sent);
      await queueIdle(sandbox);
    }
    report({ measure: 'tasks-view queued task → its row', ...stats(appeared) });
    report({ measure: 'tasks-view task queued → row shows executing', ...stats(executing) });
  });

  await test.step('(a) Nodes view: a SIGKILLed node turns offline, then dead, on screen', async () => {
    await shell.go('Nodes');
    const offline: number[] = [];
    const dead: number[] = [];
    const killToScreen: number[] = [];
    for (let i = 0; i < KILL_SAMPLES; i++) {
      const victim = sandbox.nodes[count - 1 - i * 7]!;
      const shownOffline = rowShows(page, victim.name, 'offline', 30_000);
      const shownDead = rowShows(page, victim.name, 'dead', 30_000);
      const apiOffline = apiShows(sandbox, victim.name, 'offline');
      killed.add(victim.name);
      const killedAt = Date.now();
      process.kill(victim.pid, 'SIGKILL');
      offline.push((await shownOffline) - (await apiOffline));
      const apiDead = await apiShows(sandbox, victim.name, 'dead');
      const deadOnScreen = await shownDead;
      dead.push(deadOnScreen - apiDead);
      killToScreen.push(deadOnScreen - killedAt);
    }
    report({ measure: 'nodes-view SIGKILL, API says offline → row', nodes: count, ...stats(offline) });
    report({ measure: 'nodes-view SIGKILL, API says dead → row', nodes: count, ...stats(dead) });
    report({ measure: 'nodes-view SIGKILL → row dead', nodes: count, ...stats(killToScreen) });
  });

  writeFileSync(path.join(RESULTS_DIR, 'console-scale.json'), JSON.stringify({ rows }, null, 2));
});

/** BALANCER_CLIENTS keep-alive clients asking as fast as answers come, for BALANCER_SECONDS. */
async function balancerLoad(balancerUrl: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: BALANCER_CLIENTS });
  const until = Date.now() + BALANCER_SECONDS * 1000;
  const latencies: number[] = [];
  const members = new Set<string>();
  let failed = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const request = http.get(`${balancerUrl}/api/nodes/ping`, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - started);
          if (response.statusCode === 200) members.add(String(response.headers['x-flotilla-node']));
          else failed++;
          resolve();
        });
      });
      request.on('error', () => {
        failed++;
        resolve();
      });
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: BALANCER_CLIENTS }, async () => {
      while (Date.now() < until) await once();
    }),
  );
  agent.destroy();
  const seconds = (Date.now() - started) / 1000;
  const { p50Ms, p95Ms, maxMs } = stats(latencies);
  return {
    clients: BALANCER_CLIENTS,
    seconds: Math.round(seconds * 10) / 10,
    requestsPerSec: Math.round(latencies.length / seconds),
    failed,
    membersAnswering: members.size,
    p50Ms,
    p95Ms,
    maxMs,
  };
}
