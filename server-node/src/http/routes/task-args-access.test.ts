import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TASK_IDS_MAX,
  TASK_LIST_MAX,
  type EventDto,
  type TaskDetailDto,
  type TaskDto,
} from '../../api/index.js';
import { TestCluster } from '../../test-support/test-cluster.js';
import type { BrowserSession, TestUser } from '../../test-support/users.js';
import { createUser, signIn } from '../../test-support/users.js';

// What a deployer typed into a script: viewers may see that the task exists, never its text.
const SECRET = 'pa55-Typed-Into-A-Script-7f3c';
const SCRIPT = `export DB_PASSWORD='${SECRET}'\necho backing up`;

/** Every event from the start of the stream, read as `apiKey` sees them. */
async function allEvents(url: string, apiKey: string, count: number): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events`, {
    headers: { authorization: `Bearer ${apiKey}`, 'last-event-id': '0' },
    signal: controller.signal,
  });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if ((text.match(/^id: /gm) ?? []).length >= count) break;
  }
  controller.abort();
  return text;
}

describe('task args by role: script text only for deployers and up', () => {
  const cluster = new TestCluster();
  let viewer: TestUser;
  let deployer: TestUser;
  let viewerSession: BrowserSession;
  let scriptId = '';
  let noopId = '';
  let futureId = '';
  const get = <T>(path: string, apiKey: string) => cluster.api<T>('GET', path, undefined, { apiKey });

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    viewer = await createUser(cluster, 'vera', 'viewer');
    deployer = await createUser(cluster, 'dana', 'deployer');
    viewerSession = await signIn(cluster.node('node-1').url, viewer.username, viewer.password);
    const queued = await cluster.api<{ id: string }>('POST', '/api/tasks', {
      kind: 'script',
      args: { script: SCRIPT, shell: 'bash' },
      description: 'Nightly backup',
    });
    scriptId = queued.body.id;
    noopId = (await cluster.queue('noop', { sleepMs: 0 }))[0]!;
    // A kind this node does not know (written by a newer version, or by hand): its args are not shown either.
    futureId = (
      await cluster.db.query<{ id: string }>(
        `insert into tasks (kind, args, description) values ('future-kind', $1, 'From the future') returning id::text`,
        [JSON.stringify({ token: SECRET })],
      )
    ).rows[0]!.id;
  });
  afterAll(() => cluster.destroy());

  it('redacts script args for viewers in the list and the detail, keeping kind and description', async () => {
    await expect
      .poll(async () => (await cluster.tasks()).filter((t) => t.finishedAt !== null).length, {
        timeout: 20_000,
      })
      .toBe(3);
    const list = await get<TaskDto[]>('/api/tasks', viewer.apiKey);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    const byId = new Map(list.body.map((task) => [task.id, task]));
    expect(byId.get(scriptId)).toMatchObject({
      kind: 'script',
      description: 'Nightly backup',
      args: {},
      argsRedacted: true,
    });
    expect(byId.get(futureId)).toMatchObject({ kind: 'future-kind', args: {}, argsRedacted: true });
    expect(byId.get(noopId)).toMatchObject({ kind: 'noop', args: { sleepMs: 0 }, argsRedacted: false });

    for (const query of ['?kind=script', '?state=succeeded&limit=1000', '?node=node-1']) {
      const filtered = await get<TaskDto[]>(`/api/tasks${query}`, viewer.apiKey);
      expect({ query, text: JSON.stringify(filtered.body).includes(SECRET) }).toEqual({ query, text: false });
    }
    const detail = await get<TaskDetailDto>(`/api/tasks/${scriptId}`, viewer.apiKey);
    expect(detail.body).toMatchObject({ kind: 'script', args: {}, argsRedacted: true, state: 'succeeded' });
    expect(detail.body.attemptsDetail).toHaveLength(1);
    expect(JSON.stringify(detail.body)).not.toContain(SECRET);
    expect(JSON.stringify((await get(`/api/tasks/${futureId}`, viewer.apiKey)).body)).not.toContain(SECRET);

    // The same for a browser session.
    const viaSession = await fetch(`${cluster.node('node-1').url}/api/tasks/${scriptId}`, {
      headers: { cookie: viewerSession.cookie },
    });
    const sessionText = await viaSession.text();
    expect(viaSession.status).toBe(200);
    expect(sessionText).not.toContain(SECRET);
    expect(JSON.parse(sessionText)).toMatchObject({ argsRedacted: true });
  });

  it('shows them to deployers and administrators', async () => {
    for (const apiKey of [deployer.apiKey, cluster.apiKey]) {
      const detail = await get<TaskDetailDto>(`/api/tasks/${scriptId}`, apiKey);
      expect(detail.body).toMatchObject({ args: { script: SCRIPT, shell: 'bash' }, argsRedacted: false });
      const list = await get<TaskDto[]>('/api/tasks?kind=script', apiKey);
      expect(list.body[0]).toMatchObject({ args: { script: SCRIPT }, argsRedacted: false });
      expect((await get<TaskDto>(`/api/tasks/${futureId}`, apiKey)).body.args).toEqual({ token: SECRET });
    }
    const retried = await cluster.api<TaskDto>('POST', `/api/tasks/${futureId}/retry`, undefined, {
      apiKey: deployer.apiKey,
    });
    expect(retried.body).toMatchObject({ args: { token: SECRET }, argsRedacted: false });
  });

  it('lists up to TASK_LIST_MAX tasks and names the limit when asked for more', async () => {
    expect((await get<TaskDto[]>(`/api/tasks?limit=${TASK_LIST_MAX}`, viewer.apiKey)).status).toBe(200);
    for (const limit of [String(TASK_LIST_MAX + 1), '0', '-5', '1e9', 'ten%27%0A', '%00']) {
      const refused = await get<{ error: string }>(`/api/tasks?limit=${limit}`, viewer.apiKey);
      expect({ limit, status: refused.status }).toEqual({ limit, status: 400 });
      expect(refused.body.error).toMatch(/^Invalid .*limit/);
    }
  });

  it('lists just the tasks named by ids (the console patches its list with them), refusing bad ids', async () => {
    const named = await get<TaskDto[]>(
      `/api/tasks?ids=${noopId},${scriptId},${noopId},999999999`,
      viewer.apiKey,
    );
    expect(named.status).toBe(200);
    expect(named.body.map((task) => task.id)).toEqual(
      [scriptId, noopId].sort((a, b) => Number(b) - Number(a)),
    );
    expect(named.body.find((task) => task.id === scriptId)).toMatchObject({ args: {}, argsRedacted: true });
    const combined = await get<TaskDto[]>(`/api/tasks?ids=${noopId},${scriptId}&kind=noop`, viewer.apiKey);
    expect(combined.body.map((task) => task.id)).toEqual([noopId]);
    const most = Array.from({ length: TASK_IDS_MAX }, (_, i) => String(i + 1)).join(',');
    expect((await get<TaskDto[]>(`/api/tasks?ids=${most}`, viewer.apiKey)).status).toBe(200);
    const hostile = [
      `${most},${TASK_IDS_MAX + 1}`,
      '',
      '1,,2',
      '1,',
      '-1',
      '1;drop%20table%20tasks',
      "1'%20or%20'1'='1",
      '1%0A2',
      '%E2%80%8B1',
      '9999999999999999999',
      '1e3',
    ];
    for (const ids of hostile) {
      const refused = await get<{ error: string }>(`/api/tasks?ids=${ids}`, viewer.apiKey);
      expect({ ids: ids.slice(0, 40), status: refused.status }).toEqual({
        ids: ids.slice(0, 40),
        status: 400,
      });
      expect(refused.body.error).toMatch(/^Invalid .*ids/);
    }
    expect((await get<TaskDto[]>(`/api/tasks`, viewer.apiKey)).body.length).toBeGreaterThanOrEqual(3);
  });

  it('never puts args in events', async () => {
    const rows = await cluster.db.query<{ type: string; data: unknown }>(`select type, data from events`);
    const taskEvents = rows.rows.filter((row) => row.type.startsWith('task.'));
    expect(taskEvents.length).toBeGreaterThan(5);
    expect(JSON.stringify(rows.rows)).not.toContain(SECRET);
    const streamed = await allEvents(cluster.node('node-1').url, viewer.apiKey, rows.rows.length);
    const events = streamed
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as EventDto);
    expect(events.filter((e) => e.type.startsWith('task.') && e.data.id === scriptId).length).toBeGreaterThan(
      1,
    );
    expect(streamed).not.toContain(SECRET);
  });

  it('keeps them out of the portal for viewers', async () => {
    const pages: [page: string, shown: string][] = [
      ['/tasks', 'Nightly backup'],
      [`/tasks/${scriptId}`, 'Nightly backup'],
      [`/tasks/${futureId}`, 'From the future'],
    ];
    for (const [page, shown] of pages) {
      const response = await fetch(`${cluster.node('node-1').url}${page}`, {
        headers: { cookie: viewerSession.cookie },
      });
      const html = await response.text();
      expect({ page, status: response.status }).toEqual({ page, status: 200 });
      expect(html).toContain(shown);
      expect(html).not.toContain(SECRET);
    }
  });
});
