import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PackageFormat } from './archive-entries.js';
import { forEachEntry, sniffFormat } from './archive-entries.js';
import type { PackageLimits } from './package-limits.js';
import { incomingDir } from './package-store.js';
import { PackageRejected } from './package-rejected.js';

export interface ReceivedPackage {
  file: string;
  format: PackageFormat;
  sizeBytes: number;
  sha256: string;
}

/**
 * Streams an upload into shared storage (never into memory: a 1 GB package costs a 64 KB buffer),
 * computing its SHA-256 on the way, then checks every entry of the archive, and the archive against the
 * cluster's limits. The file is left in the incoming folder for the caller to move into place; on any
 * failure it is removed.
 */
export async function receivePackage(
  sharedDir: string,
  body: Readable,
  limits: PackageLimits,
): Promise<ReceivedPackage> {
  const dir = incomingDir(sharedDir);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let head = Buffer.alloc(0);
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4)]);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(body, measure, createWriteStream(file));
    const format = sniffFormat(head);
    if (!format) {
      throw new PackageRejected(
        sizeBytes === 0 ? 'the upload is empty' : 'the upload is neither a .zip nor a .tar.gz archive',
      );
    }
    let entries = 0;
    await forEachEntry(file, format, limits, () => {
      entries++;
      return Promise.resolve();
    });
    if (entries === 0) throw new PackageRejected('the archive holds no files');
    return { file, format, sizeBytes, sha256: hash.digest('hex') };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}
