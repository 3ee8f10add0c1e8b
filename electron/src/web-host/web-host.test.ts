import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { InvokeHandlers } from '../common/contract.js';
import { INVOKE, INVOKE_CHANNELS, PUSH } from '../common/contract.js';
import { UserError } from '../common/user-error.js';
import { WS_PATH, type ServerMessage } from '../common/ws-protocol.js';
import { WebHost } from './web-host.js';
import { tempDir } from '../services/test-support/temp-dir.js';

const hosts: WebHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

function handlers(): InvokeHandlers {
  const all = Object.fromEntries(INVOKE_CHANNELS.map((channel) => [channel, () => Promise.resolve(null)]));
  return {
    ...all,
    [INVOKE.console.getInfo]: () => Promise.resolve({ transport: 'web', version: '1', configDir: '/c' }),
    [INVOKE.nodes.setTaskCap]: (name: string, cap: number) =>
      Promise.reject(new UserError(`cap ${cap} refused for ${name}`)),
  } as InvokeHandlers;
}

async function startHost() {
  const dir = await tempDir('renderer');
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Flotilla</title>');
  const host = new WebHost({ rendererDir: dir, handlers: handlers() });
  hosts.push(host);
  await host.listen();
  return host;
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const bridgeUrl = (host: WebHost, token = host.token) =>
  host.url
    .replace('http:', 'ws:')
    .replace('/?', `${WS_PATH}?`)
    .replace(/token=.*/, `token=${token}`);

function nextMessage(ws: WebSocket): Promise<ServerMessage> {
  return new Promise((resolve) =>
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as ServerMessage)),
  );
}

describe('WebHost', () => {
  it('serves the UI on loopback, with index.html for any route and nothing outside its folder', async () => {
    const host = await startHost();
    const base = host.url.split('?')[0]!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(base + 'nodes');
    expect(await page.text()).toContain('<title>Flotilla</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await (await fetch(base + '..%2f..%2fetc%2fpasswd')).text()).toContain('<title>Flotilla</title>');
  });

  it('answers invokes with results, and errors as {name, message}', async () => {
    const host = await startHost();
    const ws = await connect(bridgeUrl(host));
    ws.send(JSON.stringify({ id: 1, channel: INVOKE.console.getInfo, args: [] }));
    expect(await nextMessage(ws)).toEqual({
      id: 1,
      result: { transport: 'web', version: '1', configDir: '/c' },
    });
    ws.send(JSON.stringify({ id: 2, channel: INVOKE.nodes.setTaskCap, args: ['node-1', 5] }));
    expect(await nextMessage(ws)).toEqual({
      id: 2,
      error: { name: 'UserError', message: 'cap 5 refused for node-1' },
    });
    ws.send(JSON.stringify({ id: 3, channel: 'shell:exec', args: [] }));
    expect(await nextMessage(ws)).toMatchObject({
      id: 3,
      error: { message: "Unknown channel 'shell:exec'." },
    });
    ws.close();
  });

  it('pushes events to every connected page', async () => {
    const host = await startHost();
    const ws = await connect(bridgeUrl(host));
    const message = nextMessage(ws);
    host.push(PUSH.sandbox.status, {
      state: 'starting',
      clusterId: null,
      balancerUrl: null,
      nodes: [],
      error: null,
    });
    expect(await message).toMatchObject({ event: PUSH.sandbox.status, payload: { state: 'starting' } });
    ws.close();
  });

  it('refuses a wrong token, a foreign Origin and a foreign Host', async () => {
    const host = await startHost();
    await expect(connect(bridgeUrl(host, 'x'.repeat(host.token.length)))).rejects.toThrow(/403/);
    await expect(connect(bridgeUrl(host), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(bridgeUrl(host), { host: 'evil.example' })).rejects.toThrow(/403/);
  });
});
