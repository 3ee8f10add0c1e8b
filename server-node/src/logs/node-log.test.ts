import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDto } from '../api/index.js';
import { nodeLogPath } from '../api/index.js';
import { SENTINEL_FILE } from '../cluster/shared-storage.js';
import { readNodeConfig } from '../config/node-config.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { readNodeLog } from './read-node-log.js';
import { nodeLogFile, rotatingLogFile } from './rotating-log-file.js';

/** Reads a stream until `done` says it has what it waits for; then lets go of it. */
async function readUntil(body: AsyncIterable<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    text += decoder.decode(chunk, { stream: true });
    if (done(text)) break;
  }
  return text;
}

describe('a rotating log file', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-log-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('rotates by size, keeps three files, and serves the last lines across the rotation', async () => {
    const file = path.join(dir, 'logs', 'node.log');
    const log = rotatingLogFile(file, { maxBytes: 1000, keep: 3 });
    for (let i = 1; i <= 100; i++) log.write(`{"line":${i},"pad":"${'x'.repeat(40)}"}\n`);
    expect([1, 2, 3].map((n) => existsSync(`${file}.${n}`))).toEqual([true, true, true]);
    expect(existsSync(`${file}.4`)).toBe(false);
    expect(readFileSync(file, 'utf8').length).toBeLessThan(1000);

    const tail = await readUntil(readNodeLog(file, { lines: 30, follow: false }), () => false);
    const numbers = tail
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { line: number }).line);
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => 71 + i));

    // Followed across a rotation: nothing lost, nothing twice.
    const controller = new AbortController();
    const followed = readUntil(
      readNodeLog(file, { lines: 1, follow: true, signal: controller.signal, pollMs: 20 }),
      (text) => text.includes('"line":130,'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 101; i <= 130; i++) log.write(`{"line":${i},"pad":"${'x'.repeat(40)}"}\n`);
    const text = await followed;
    controller.abort();
    const seen = text
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { line: number }).line);
    expect(seen).toEqual(Array.from({ length: 31 }, (_, i) => 100 + i));
  });
});

describe('node logs through any node', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
  }, 60_000);
  afterAll(() => cluster.destroy());

  it("serves a node's own log from its home, forwarded by another node, secrets redacted", async () => {
    expect(existsSync(nodeLogFile(cluster.node('node-2').home))).toBe(true);
    const { status, body, headers } = await cluster.api<string>('GET', nodeLogPath('node-2', { lines: 50 }));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; msg: string });
    expect(lines.every((line) => line.name === 'node-2')).toBe(true);
    expect(lines.map((line) => line.msg)).toContain('node started');
    const config = await readNodeConfig(cluster.node('node-2').home);
    const password = new URL(cluster.dbUrl).password;
    for (const secret of [config.masterKey, cluster.apiKey, password]) expect(body).not.toContain(secret);
  });

  it('refuses bad input with a clear message', async () => {
    const cases: [string, number][] = [
      ['/api/nodes/node-1/log?lines=0', 400],
      ['/api/nodes/node-1/log?lines=abc', 400],
      ['/api/nodes/node-1/log?lines=99999', 400],
      ['/api/nodes/node-1/log?colour=blue', 400],
      [nodeLogPath('no"such\nnode'), 404],
      [nodeLogPath('x'.repeat(300)), 414],
    ];
    for (const [url, expected] of cases) {
      const { status, body } = await cluster.api<ErrorDto>('GET', url);
      expect({ url, status }).toEqual({ url, status: expected });
      expect(body.error).toBeTruthy();
    }
    const parallel = await Promise.all(
      Array.from({ length: 6 }, () => cluster.api<string>('GET', nodeLogPath('node-2', { lines: 5 }))),
    );
    expect(parallel.map((answer) => answer.status)).toEqual(Array(6).fill(200));
  });

  it('follows a node log as the node writes it', async () => {
    const controller = new AbortController();
    const response = await fetch(
      `${cluster.node('node-1').url}${nodeLogPath('node-2', { lines: 1, follow: true })}`,
      { headers: { authorization: `Bearer ${cluster.apiKey}` }, signal: controller.signal },
    );
    expect(response.status).toBe(200);
    const followed = readUntil(response.body as AsyncIterable<Uint8Array>, (text) =>
      text.includes('shared storage usable again'),
    );
    // Something for node-2 to say: its shared folder loses the sentinel, then gets it back.
    const sentinel = path.join(cluster.sharedDir, SENTINEL_FILE);
    await rename(sentinel, `${sentinel}.away`);
    await expect
      .poll(() => readFileSync(nodeLogFile(cluster.node('node-2').home), 'utf8'), { timeout: 5000 })
      .toContain('shared storage unusable');
    await rename(`${sentinel}.away`, sentinel);
    const text = await followed;
    controller.abort();
    expect(text).toMatch(/"name":"node-2".*"msg":"shared storage unusable"/);
    expect(text).toMatch(/"name":"node-2".*"msg":"shared storage usable again"/);
  });
});
