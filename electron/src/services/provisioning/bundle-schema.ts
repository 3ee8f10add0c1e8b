import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { SchemaMigrationDto } from '@flotilla/server-node/api';
import type { ServerBundle } from './server-bundle.js';

const BLOCK = 512;

/**
 * The migrations a server bundle carries, from its schema.json (written by bundle:server), or null
 * for a bundle built before bundles said so (or one that does not unpack). Read here, in Node, from the .tar.gz: the console runs
 * on Windows too, whose tar is another one.
 */
export async function readBundleSchema(bundle: ServerBundle): Promise<SchemaMigrationDto[] | null> {
  // An archive that does not unpack says nothing either; checking it is the upload's "verify" step.
  const text = await readTarEntry(bundle.archive, `${bundle.name}/schema.json`).catch(() => null);
  return text === null ? null : (JSON.parse(text) as { migrations: SchemaMigrationDto[] }).migrations;
}

/** One regular file of a .tar.gz (ustar names, as GNU tar writes short ones), or null when it has none. */
async function readTarEntry(archive: string, name: string): Promise<string | null> {
  const stream = createReadStream(archive).pipe(createGunzip());
  let pending = Buffer.alloc(0);
  /** Bytes of the current entry's data (and padding) still to skip, or to keep when it is the one. */
  let skip = 0;
  let keep: { size: number } | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (keep) {
          if (pending.length < keep.size) break;
          return pending.subarray(0, keep.size).toString('utf8');
        }
        if (skip > 0) {
          const dropped = Math.min(skip, pending.length);
          pending = pending.subarray(dropped);
          skip -= dropped;
          if (skip > 0) break;
        }
        if (pending.length < BLOCK) break;
        const header = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (header.every((byte) => byte === 0)) return null;
        const field = (at: number, length: number) =>
          header
            .subarray(at, at + length)
            .toString('utf8')
            .replace(/\0.*$/s, '');
        const size = parseInt(field(124, 12).trim() || '0', 8);
        const prefix = field(345, 155);
        const entry = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
        const type = field(156, 1);
        if (entry === name && (type === '0' || type === '')) keep = { size };
        else skip = Math.ceil(size / BLOCK) * BLOCK;
      }
    }
    return null;
  } finally {
    stream.destroy();
  }
}
