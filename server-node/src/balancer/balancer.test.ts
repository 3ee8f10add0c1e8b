import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BalancerAdminState,
  BalancerServerDto,
  BalancerStatsDto,
  CreateTaskResultDto,
  NodeDto,
} from '../api/index.js';
import { findFreePort } from '../net/free-port.js';
import { createUser } from '../test-support/users.js';
import { CLI_MAIN, spawnBalancer, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { BALANCER_STATS_PATH, balancerServerPath } from '../api/balancer.js';

describe('flotilla-node balance in front of three nodes', () => {
  const cluster = new TestCluster();
  let balancer: ChildProcess | null = null;
  let url = '';
  const fakeMembers: http.Server[] = [];

  beforeAll(async () => {
    await cluster.create({ nodes: 3 });
    const port = await findFreePort(0);
    url = `http://127.0.0.1:${port}`;
    const logFile = path.join(cluster.dir, 'balancer.log');
    balancer = spawnBalancer(`127.0.0.1:${port}`, cluster.node('node-1').home, logFile);
    await waitForNode(url, balancer, logFile);
  });
  afterAll(async () => {
    if (balancer) await stopProcess(balancer, 5000);
    for (const fake of fakeMembers) {
      fake.closeAllConnections();
      fake.close();
    }
    await cluster.destroy();
  });

  const auth = () => ({ authorization: `Bearer ${cluster.apiKey}` });

  /** Which node answered each of `count` GETs sent one after another through the balancer. */
  async function servedBy(count: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${url}/api/cluster`, { headers: auth() });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      names.push(response.headers.get('x-flotilla-node') ?? '(none)');
    }
    return names;
  }

  async function stats(): Promise<BalancerStatsDto> {
    const response = await fetch(`${url}${BALANCER_STATS_PATH}`, { headers: auth() });
    expect(response.status).toBe(200);
    return (await response.json()) as BalancerStatsDto;
  }

  async function server(name: string): Promise<BalancerServerDto | undefined> {
    return (await stats()).servers.find((s) => s.name === name);
  }

  async function setAdminState(name: string, state: BalancerAdminState): Promise<BalancerServerDto> {
    const response = await fetch(`${url}${balancerServerPath(name)}`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ state }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as BalancerServerDto;
  }

  /**
   * A stand-in member: a server that answers its ping and does `handle` with everything else, registered
   * in the nodes table. A heartbeat an hour ahead keeps its row from going offline with no node behind it.
   */
  async function startFakeMember(name: string, handle: http.RequestListener): Promise<http.Server> {
    const fake = http.createServer((request, response) => {
      if (request.url !== '/api/nodes/ping') return handle(request, response);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ name, state: 'running', version: 'test' }));
    });
    fakeMembers.push(fake);
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    await cluster.db.query(
      `insert into nodes (name, url, version, last_seen) values ($1, $2, 'test', now() + interval '1 hour')`,
      [name, `http://127.0.0.1:${(fake.address() as AddressInfo).port}`],
    );
    await expect.poll(async () => (await server(name))?.checkStatus).toBe('up');
    return fake;
  }

  async function removeFakeMember(name: string): Promise<void> {
    await cluster.db.query(`delete from nodes where name = $1`, [name]);
    await expect.poll(async () => (await stats()).servers.map((s) => s.name)).not.toContain(name);
  }

  it('spreads requests over every node and reports them in the shared stats model', async () => {
    const names = await servedBy(30);
    const perNode = new Map<string, number>();
    for (const name of names) perNode.set(name, (perNode.get(name) ?? 0) + 1);
    expect([...perNode.keys()].sort()).toEqual(['node-1', 'node-2', 'node-3']);
    for (const count of perNode.values()) expect(count).toBeGreaterThanOrEqual(5);

    const figures = await stats();
    expect(figures.kind).toBe('builtin');
    expect(figures.servers.map((s) => [s.name, s.address, s.adminState, s.checkStatus])).toEqual(
      ['node-1', 'node-2', 'node-3'].map((name) => [
        name,
        new URL(cluster.node(name).url).host,
        'ready',
        'up',
      ]),
    );
    for (const s of figures.servers) {
      expect(s.totalRequests).toBeGreaterThanOrEqual(perNode.get(s.name)!);
      expect(s.bytesOut).toBeGreaterThan(0);
      expect(s.currentSessions).toBe(0);
      expect(s.lastChangeSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(figures.servers.reduce((sum, s) => sum + s.requestRate, 0)).toBeGreaterThan(0);
  });

  it('passes request bodies through: known-length ones are kept for a retry, chunked ones streamed', async () => {
    const headers = { ...auth(), 'content-type': 'application/json' };
    const created = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'noop', args: {} }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as CreateTaskResultDto).id).toMatch(/^\d+$/);
    // A body of unknown length (chunked) cannot be kept for a retry: it streams through once.
    const streamed = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers,
      body: Readable.toWeb(Readable.from([JSON.stringify({ kind: 'noop', args: {} })])) as ReadableStream,
      duplex: 'half',
    });
    expect(streamed.status).toBe(201);
    expect(streamed.headers.get('x-flotilla-node')).toMatch(/^node-\d$/);
  });

  it('takes a node drained through the cluster API out of rotation, and back after undrain', async () => {
    expect((await cluster.api('PATCH', '/api/nodes/node-3', { drain: true })).status).toBe(200);
    // The node learns of the drain on its next heartbeat, the balancer on its next ping.
    await expect.poll(async () => (await servedBy(9)).includes('node-3'), { timeout: 5000 }).toBe(false);
    expect(await servedBy(30)).not.toContain('node-3');
    await expect.poll(async () => (await server('node-3'))?.checkStatus).toBe('down');

    expect((await cluster.api('PATCH', '/api/nodes/node-3', { drain: false })).status).toBe(200);
    await expect.poll(async () => (await servedBy(9)).includes('node-3'), { timeout: 5000 }).toBe(true);
    expect((await server('node-3'))?.checkStatus).toBe('up');
  });

  it('sends nothing to a member in maint, and everything again once it is ready', async () => {
    expect((await setAdminState('node-2', 'maint')).adminState).toBe('maint');
    expect(await servedBy(30)).not.toContain('node-2');
    expect((await server('node-2'))?.adminState).toBe('maint');
    expect((await setAdminState('node-2', 'ready')).adminState).toBe('ready');
    expect(await servedBy(9)).toContain('node-2');
  });

  it('guards its admin API with a cluster API key and says what is wrong', async () => {
    const put = (name: string, body: unknown, headers: Record<string, string>) =>
      fetch(`${url}${balancerServerPath(name)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await put('node-1', { state: 'maint' }, {})).status).toBe(401);
    expect((await put('node-1', { state: 'maint' }, { authorization: 'Bearer flt_wrong' })).status).toBe(401);
    expect((await fetch(`${url}${BALANCER_STATS_PATH}`)).status).toBe(401);
    const unknown = await put('node-9', { state: 'maint' }, auth());
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([
      404,
      "No node named 'node-9' behind this balancer.",
    ]);
    // A viewer may read the stats but not change a member.
    const viewer = await createUser(cluster, 'balancer-viewer', 'viewer');
    const asViewer = { authorization: `Bearer ${viewer.apiKey}` };
    expect((await fetch(`${url}${BALANCER_STATS_PATH}`, { headers: asViewer })).status).toBe(200);
    const denied = await put('node-1', { state: 'maint' }, asViewer);
    expect([denied.status, ((await denied.json()) as { error: string }).error]).toEqual([
      403,
      'Changing a balancer member needs the administrator role; balancer-viewer is a viewer.',
    ]);
    const bad = await put('node-1', { state: 'asleep' }, auth());
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^Invalid request body: state:/);
    expect((await server('node-1'))?.adminState).toBe('ready');
  });

  it('streams server-sent events through, and a drained member keeps its stream but gets no new requests', async () => {
    let text = '';
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.get(`${url}/api/events`, { headers: auth() }, resolve);
      request.on('error', reject);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    await expect.poll(() => text).toContain('retry: 1000');

    // The stream is the only request in flight, so the stats say which member holds it.
    const holder = (await stats()).servers.find((s) => s.currentSessions === 1)?.name;
    expect(holder).toBeDefined();
    await setAdminState(holder!, 'drain');
    expect(await servedBy(30)).not.toContain(holder);

    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 4 });
    await expect.poll(() => text).toContain('event: node.updated');
    expect(await server(holder!)).toMatchObject({ adminState: 'drain', currentSessions: 1 });

    stream.destroy();
    await expect.poll(async () => (await server(holder!))?.currentSessions).toBe(0);
    await setAdminState(holder!, 'ready');
    await cluster.api('PATCH', '/api/nodes/node-1', { taskCap: 5 });
  });

  it('retries on another node when one fails before answering: GETs always, other methods if never sent', async () => {
    let broken = 0;
    const flaky = await startFakeMember('flaky', (request) => {
      broken++;
      request.socket.destroy();
    });
    for (const name of ['node-2', 'node-3']) await setAdminState(name, 'maint');

    // Half the GETs go to the member that drops them; every one is answered by node-1 instead.
    expect(await servedBy(10)).toEqual(Array.from({ length: 10 }, () => 'node-1'));
    expect(broken).toBeGreaterThan(0);

    // A POST that reached a node may have taken effect, so it is not repeated: the client is told.
    const post = () =>
      fetch(`${url}/api/tasks`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'noop', args: {} }),
      });
    broken = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await post();
      statuses.push(response.status);
      if (response.status === 502) {
        expect(((await response.json()) as { error: string }).error).toMatch(
          /^Node flaky failed before answering .*not repeated/,
        );
      } else {
        await response.arrayBuffer();
      }
    }
    expect(statuses.filter((status) => status === 502).length).toBe(broken);
    expect(broken).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 201).length).toBe(6 - broken);

    // A refused connection means nothing was sent: the POST goes to node-1, and the member is marked down
    // at once instead of after two failed pings.
    flaky.close();
    flaky.closeAllConnections();
    for (let i = 0; i < 4; i++) expect((await post()).status).toBe(201);
    expect((await server('flaky'))?.checkStatus).toBe('down');

    for (const name of ['node-2', 'node-3']) await setAdminState(name, 'ready');
    await removeFakeMember('flaky');
  });

  it('passes a WebSocket upgrade through to a member and relays both ways', async () => {
    // The nodes have no WebSocket endpoint yet: a stand-in member that echoes.
    const echo = await startFakeMember('ws-echo', (_request, response) => response.writeHead(404).end());
    echo.on('upgrade', (_request: http.IncomingMessage, socket: Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
    });
    for (const name of ['node-1', 'node-2', 'node-3']) await setAdminState(name, 'maint');

    const socket = await new Promise<Socket>((resolve, reject) => {
      const request = http.request(`${url}/ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      request.on('upgrade', (_response, upgraded: Socket) => resolve(upgraded));
      request.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
      request.on('error', reject);
      request.end();
    });
    let echoed = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (echoed += chunk));
    socket.write('hello through the balancer');
    await expect.poll(() => echoed).toBe('hello through the balancer');
    expect((await server('ws-echo'))?.currentSessions).toBe(1);
    socket.destroy();
    await expect.poll(async () => (await server('ws-echo'))?.currentSessions).toBe(0);

    for (const name of ['node-1', 'node-2', 'node-3']) await setAdminState(name, 'ready');
    await removeFakeMember('ws-echo');
  });

  it('follows nodes that join and leave the cluster, with nothing to reload', async () => {
    await cluster.addNode('node-4');
    await expect.poll(async () => (await servedBy(12)).includes('node-4'), { timeout: 5000 }).toBe(true);
    await cluster.stopNode('node-4');
    await expect
      .poll(async () => (await stats()).servers.map((s) => s.name))
      .toEqual(['node-1', 'node-2', 'node-3']);
    expect(await servedBy(12)).not.toContain('node-4');
  });

  it('refuses a port that is taken, with a message that says what to do', async () => {
    const taken = new URL(cluster.node('node-1').url).port;
    const child = spawn(
      process.execPath,
      [CLI_MAIN, 'balance', '--listen', `127.0.0.1:${taken}`, '--home', cluster.node('node-1').home],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(errors).toContain(
      `flotilla-node: Port ${taken} on 127.0.0.1 is taken. Stop whatever uses it or pass another --listen.`,
    );
  });

  it('loses no GET when a node is killed under load, and takes it out of rotation within 2 s', async () => {
    const failures: string[] = [];
    let served = 0;
    let killedAt = 0;
    const servedAfterKill = new Map<string, number>();
    const loadEndsAt = Date.now() + 6000;
    const worker = async () => {
      while (Date.now() < loadEndsAt) {
        const outcome = await fetch(`${url}/api/cluster`, { headers: auth() }).then(
          async (response) => ({
            status: response.status,
            node: response.headers.get('x-flotilla-node'),
            body: await response.text(),
          }),
          (error: Error) => ({ status: 0, node: null, body: error.message }),
        );
        if (outcome.status !== 200) {
          failures.push(`${outcome.status} ${outcome.body}`);
          continue;
        }
        served++;
        if (killedAt && outcome.node)
          servedAfterKill.set(outcome.node, (servedAfterKill.get(outcome.node) ?? 0) + 1);
      }
    };
    // 40 clients over loopback for about 6 s: steady load before, during and after the kill.
    const load = Promise.all(Array.from({ length: 40 }, worker));
    await expect.poll(() => served, { timeout: 5000 }).toBeGreaterThan(200);
    killedAt = Date.now();
    const killed = cluster.kill('node-3');
    await expect
      .poll(async () => (await server('node-3'))?.checkStatus, { timeout: 2000, interval: 20 })
      .toBe('down');
    const outOfRotationMs = Date.now() - killedAt;
    await killed;
    await load;
    console.log(
      `balancer under load: ${served} requests served, ${failures.length} failed, node-3 out of rotation ` +
        `${outOfRotationMs} ms after SIGKILL; served after the kill: ${JSON.stringify(Object.fromEntries(servedAfterKill))}`,
    );
    expect(failures).toEqual([]);
    expect(outOfRotationMs).toBeLessThan(2000);
    expect(servedAfterKill.get('node-1')).toBeGreaterThan(0);
    expect(servedAfterKill.get('node-2')).toBeGreaterThan(0);
  });

  it('takes a restarted node back once its checks pass', async () => {
    // The node's row must look offline before the same name may register again.
    await expect
      .poll(async () => (await cluster.nodesView()).find((n: NodeDto) => n.name === 'node-3')?.state, {
        timeout: 10_000,
      })
      .not.toBe('running');
    await cluster.start('node-3');
    await expect.poll(async () => (await servedBy(9)).includes('node-3'), { timeout: 5000 }).toBe(true);
    expect((await server('node-3'))?.checkStatus).toBe('up');
  });
});
