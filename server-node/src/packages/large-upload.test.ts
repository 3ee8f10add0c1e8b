import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageDto } from '../api/index.js';
import { largeZip } from '../test-support/archives.js';
import { TestCluster } from '../test-support/test-cluster.js';

const SIZE = 1024 ** 3;

/** The peak resident memory of a process, from the kernel. */
function peakRssBytes(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

describe('a 1 GB package upload', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
  });
  afterAll(() => cluster.destroy());

  it(
    'streams to shared storage with its checksum, never into the node’s memory',
    { timeout: 180_000 },
    async () => {
      const expected = createHash('sha256');
      for (const chunk of largeZip(SIZE)) expected.update(chunk);
      const sha256 = expected.digest('hex');

      const node = cluster.node('node-1');
      const response = await fetch(`${node.url}/api/packages/bigapp/1.0.0`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/zip' },
        body: Readable.toWeb(Readable.from(largeZip(SIZE))),
        duplex: 'half',
      });
      const body = (await response.json()) as PackageDto;
      expect(response.status).toBe(201);
      expect(body).toMatchObject({ packageId: 'bigapp', version: '1.0.0', format: 'zip', sha256 });
      expect(body.sizeBytes).toBeGreaterThan(SIZE);
      expect(peakRssBytes(node.child.pid!)).toBeLessThan(400 * 1024 ** 2);

      const download = await fetch(`${node.url}/api/packages/bigapp/1.0.0/download`, {
        headers: { authorization: `Bearer ${cluster.apiKey}` },
      });
      const actual = createHash('sha256');
      for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) actual.update(chunk);
      expect(actual.digest('hex')).toBe(sha256);
      expect(peakRssBytes(node.child.pid!)).toBeLessThan(400 * 1024 ** 2);

      expect((await cluster.api('DELETE', '/api/packages/bigapp/1.0.0')).status).toBe(204);
      expect(existsSync(path.join(cluster.dir, 'shared', 'packages', 'bigapp', '1.0.0.zip'))).toBe(false);
    },
  );
});
