import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterDto, ErrorDto, EventDto, NodeDto, TaskDetailDto, TaskDto } from '../api/index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../db/migrations/index.js';
import { TestCluster } from '../test-support/test-cluster.js';

/** Reads an SSE stream until `count` events arrived; returns them and the last id. */
async function readEvents(
  url: string,
  apiKey: string,
  count: number,
  lastEventId?: string,
): Promise<EventDto[]> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const response = await fetch(`${url}/api/events`, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: EventDto[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const chunks = response.body as unknown as AsyncIterable<Uint8Array>;
  for await (const value of chunks) {
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      const id = frame.split('\n').find((line) => line.startsWith('id: '));
      if (data && id) events.push(JSON.parse(data.slice(6)) as EventDto);
    }
    if (events.length >= count) break;
  }
  controller.abort();
  return events;
}

describe('the HTTP API', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
  });
  afterAll(() => cluster.destroy());

  it('answers ping without a key and everything else only with a valid one', async () => {
    const ping = await cluster.api<{ name: string; state: string }>('GET', '/api/nodes/ping', undefined, {
      apiKey: null,
    });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ name: 'node-1', state: 'running' });
    expect((await cluster.api<ErrorDto>('GET', '/api/nodes', undefined, { apiKey: null })).status).toBe(401);
    const wrong = await cluster.api<ErrorDto>('GET', '/api/nodes', undefined, { apiKey: 'flt_not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/Unknown API key/);
    const nodes = await cluster.api<NodeDto[]>('GET', '/api/nodes');
    expect(nodes.body.map((n) => [n.name, n.state])).toEqual([
      ['node-1', 'running'],
      ['node-2', 'running'],
    ]);
    expect(nodes.headers.get('x-flotilla-node')).toBe('node-1');
    const cluster1 = await cluster.api<ClusterDto>('GET', '/api/cluster');
    expect(cluster1.body).toMatchObject({
      paused: false,
      schemaVersion: LATEST_SCHEMA_VERSION,
      queue: { queued: 0, executing: 0 },
    });
    // This build's schema: every migration applied, none under way or waiting.
    expect(cluster1.body.schema).toMatchObject({ version: LATEST_SCHEMA_VERSION, pending: [] });
    expect(cluster1.body.schema.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(['node-1', 'node-2']).toContain(cluster1.body.leader);
  });

  it('rejects bad requests with a 4xx that names the field', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/tasks', { kind: 'rocket' }, 400, /kind: unknown task kind 'rocket'/],
      ['POST', '/api/tasks', { kind: 'noop', args: { sleepMs: 'long' } }, 400, /sleepMs/],
      ['POST', '/api/tasks', { kind: 'script', args: {} }, 400, /script/],
      ['POST', '/api/tasks', { kind: 'noop', extra: 1 }, 400, /extra/],
      ['POST', '/api/tasks', '{"kind": ', 400, /JSON/i],
      ['PATCH', '/api/nodes/node-1', { taskCap: -1 }, 400, /taskCap/],
      ['PATCH', '/api/nodes/node-1', {}, 400, /drain and\/or taskCap/],
      ['PATCH', '/api/nodes/ghost', { drain: true }, 404, /No node named 'ghost'/],
      ['PATCH', '/api/cluster', { paused: 'yes' }, 400, /paused/],
      ['GET', '/api/tasks?state=lost', undefined, 400, /state/],
      ['GET', '/api/tasks/abc', undefined, 400, /task id must be a number/],
      ['GET', '/api/tasks/999999', undefined, 404, /No task 999999/],
      ['DELETE', '/api/nodes/node-2', undefined, 409, /still running/],
      ['GET', '/api/nope', undefined, 404, /No route/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await cluster.api<ErrorDto>(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(response.body.error).toMatch(message);
    }
    const invalid = await cluster.api<ErrorDto>('PATCH', '/api/nodes/node-1', { taskCap: 'x', drain: 3 });
    expect(invalid.body.issues?.map((i) => i.path).sort()).toEqual(['drain', 'taskCap']);
  });

  it('cancels queued and running tasks, retries them, and stitches the log of every attempt', async () => {
    await cluster.api('PATCH', '/api/cluster', { paused: true });
    const [queued] = await cluster.queue('noop', { sleepMs: 10 });
    const canceled = await cluster.api<{ outcome: string; task: TaskDto }>(
      'POST',
      `/api/tasks/${queued}/cancel`,
    );
    expect(canceled.body.outcome).toBe('canceled');
    expect(canceled.body.task.state).toBe('canceled');
    await cluster.api('PATCH', '/api/cluster', { paused: false });

    const [script] = await cluster.queue('script', {
      script: 'echo "attempt $FLOTILLA_TASK_ATTEMPT"; sleep 30',
    });
    await expect
      .poll(async () => (await cluster.tasks('state=executing')).map((t) => t.id))
      .toContain(script);
    const cancel = await cluster.api<{ outcome: string }>('POST', `/api/tasks/${script}/cancel`, undefined, {
      node: 'node-2',
    });
    expect(cancel.body.outcome).toBe('cancel-requested');
    await expect
      .poll(async () => (await cluster.api<TaskDto>('GET', `/api/tasks/${script}`)).body.state, {
        timeout: 10_000,
      })
      .toBe('canceled');
    expect((await cluster.api<ErrorDto>('POST', `/api/tasks/${script}/cancel`)).status).toBe(409);

    const retried = await cluster.api<TaskDto>('POST', `/api/tasks/${script}/retry`);
    expect(retried.status).toBe(200);
    await expect
      .poll(async () => (await cluster.api<TaskDto>('GET', `/api/tasks/${script}`)).body.attempts)
      .toBe(2);
    await cluster.api('POST', `/api/tasks/${script}/cancel`);
    await expect
      .poll(async () => (await cluster.api<TaskDto>('GET', `/api/tasks/${script}`)).body.state, {
        timeout: 10_000,
      })
      .toBe('canceled');
    const log = (await cluster.api<string>('GET', `/api/tasks/${script}/log`, undefined, { node: 'node-2' }))
      .body;
    expect(log).toMatch(/── attempt 1 on node-\d, started .*\nattempt 1\n[\s\S]*attempt 1 canceled/);
    expect(log).toMatch(/── attempt 2 on node-\d[\s\S]*\nattempt 2\n[\s\S]*attempt 2 canceled/);

    const [succeeded] = await cluster.queue('noop', {});
    await expect
      .poll(async () => (await cluster.api<TaskDto>('GET', `/api/tasks/${succeeded}`)).body.state)
      .toBe('succeeded');
    expect((await cluster.api<ErrorDto>('POST', `/api/tasks/${succeeded}/retry`)).status).toBe(409);
  });

  it('records a failing script with its exit code and output', async () => {
    const [id] = await cluster.queue('script', { script: 'echo to-stdout; echo to-stderr >&2; exit 7' });
    await expect
      .poll(async () => (await cluster.api<TaskDetailDto>('GET', `/api/tasks/${id}`)).body.state)
      .toBe('failed');
    const task = (await cluster.api<TaskDetailDto>('GET', `/api/tasks/${id}`)).body;
    expect(task.error).toBe('script exited with code 7');
    const log = (await cluster.api<string>('GET', `/api/tasks/${id}/log`)).body;
    expect(log).toMatch(/to-stdout/);
    expect(log).toMatch(/to-stderr/);
  });

  it('follows a running task log until the task ends, from any node', async () => {
    const [id] = await cluster.queue('script', {
      script: 'for i in 1 2 3; do echo "line $i"; sleep 0.3; done',
    });
    const response = await fetch(`${cluster.node('node-2').url}/api/tasks/${id}/log?follow=1`, {
      headers: { authorization: `Bearer ${cluster.apiKey}` },
    });
    const text = await response.text();
    expect(text).toMatch(/line 1\nline 2\nline 3\n/);
    expect(text).toMatch(/attempt 1 succeeded/);
  });

  it('streams events and resumes after a reconnect without a gap', async () => {
    const node1 = cluster.node('node-1').url;
    const node2 = cluster.node('node-2').url;
    const firstBatch = cluster.queue('noop', {}, 3);
    const first = await readEvents(node1, cluster.apiKey, 3, '0');
    await firstBatch;
    const lastSeen = first.at(-1)!.seq;
    // While no one listens, more happens; then the console reconnects to another node.
    const ids = await cluster.queue('noop', {}, 5);
    await expect
      .poll(
        async () =>
          (await cluster.tasks()).filter((t) => ids.includes(t.id) && t.state === 'succeeded').length,
      )
      .toBe(5);
    const resumed = await readEvents(node2, cluster.apiKey, 15, lastSeen);
    const seqs = resumed.map((e) => BigInt(e.seq));
    expect(seqs[0]).toBe(BigInt(lastSeen) + 1n);
    seqs.forEach((seq, i) => i > 0 && expect(seq).toBe(seqs[i - 1]! + 1n));
    const finished = resumed.filter((e) => e.type === 'task.finished').map((e) => e.data.id);
    for (const id of ids) expect(finished).toContain(id);
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${cluster.node('node-1').url}/metrics`, {
      headers: { authorization: `Bearer ${cluster.apiKey}` },
    });
    const text = await response.text();
    expect(text).toMatch(/flotilla_task_pickup_seconds_bucket/);
    expect(text).toMatch(/flotilla_node_task_cap 5/);
  });
});
