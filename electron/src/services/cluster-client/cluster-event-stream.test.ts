import type { EventDto } from '@flotilla/server-node/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterApi } from './cluster-api.js';
import { ClusterEventStream } from './cluster-event-stream.js';
import { ClusterHttp } from './cluster-http.js';
import { fakeServer, sseEvent, type FakeServer } from './test-support/fake-server.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('ClusterEventStream', () => {
  it('resumes on another endpoint with Last-Event-ID when the one it reads from dies', async () => {
    const first = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 100\n\n' + sseEvent(1) + sseEvent(2));
      // The node dies mid-stream: its connection breaks and it answers no more.
      setTimeout(() => void first.close(), 50);
    });
    const second = await fakeServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const after = Number(req.headers['last-event-id'] ?? 0);
      res.write(
        [3, 4]
          .filter((seq) => seq > after)
          .map((seq) => sseEvent(seq))
          .join(''),
      );
    });
    servers.push(first, second);
    const events: EventDto[] = [];
    const http = new ClusterHttp({ balancerUrl: first.url, apiKey: 'k', nodeUrls: [second.url] });
    const stream = new ClusterEventStream(new ClusterApi(http), { onEvent: (event) => events.push(event) });
    stream.start();
    await expect
      .poll(() => events.map((event) => event.seq), { timeout: 5000 })
      .toEqual(['1', '2', '3', '4']);
    expect(second.requests[0]?.headers['last-event-id']).toBe('2');
    await stream.stop();
  });

  it('reports connected, then reconnecting while nothing answers', async () => {
    const states: string[] = [];
    const node = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseEvent(1));
      setTimeout(() => void node.close(), 30);
    });
    const http = new ClusterHttp({ balancerUrl: node.url, apiKey: 'k' });
    const stream = new ClusterEventStream(new ClusterApi(http), {
      onEvent: () => undefined,
      onStatus: (status) => states.push(status.state),
    });
    stream.start();
    await expect.poll(() => states.includes('connected') && states.at(-1) === 'reconnecting').toBe(true);
    await stream.stop();
    expect(states.at(-1)).toBe('stopped');
  });
});
