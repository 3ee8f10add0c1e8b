import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface FixtureEntry {
  name: string;
  /** The file's content as text, or `data` as bytes (e.g. a large run of zeros for a zip bomb). */
  content?: string;
  data?: Buffer;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
  mode?: number;
  /** Zip only: the uncompressed size the headers claim, when a test wants an archive that lies. */
  declaredSize?: number;
}

const bytesOf = (entry: FixtureEntry): Buffer => entry.data ?? Buffer.from(entry.content ?? '');

/** A .tar.gz in memory, entries exactly as given (including hostile names, for rejection tests). */
export async function makeTarGz(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: entry.name,
          type,
          mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
          ...(entry.linkname ? { linkname: entry.linkname } : {}),
        },
        type === 'file' ? bytesOf(entry) : '',
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
}

/**
 * A zip in memory, stored (uncompressed) or, with `deflate`, compressed as zip tools do; a symlink
 * entry carries Unix mode 0120777 as zip tools write it.
 */
export function makeZip(entries: FixtureEntry[], options: { deflate?: boolean } = {}): Buffer {
  const method = options.deflate ? 8 : 0;
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const name = Buffer.from(
      type === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name,
    );
    const plain = type === 'symlink' ? Buffer.from(entry.linkname ?? '') : bytesOf(entry);
    const crc = crc32(plain);
    const data = method === 8 ? deflateRawSync(plain) : plain;
    const size = entry.declaredSize ?? plain.length;
    const mode =
      type === 'symlink' ? 0o120777 : type === 'directory' ? 0o040755 : 0o100000 | (entry.mode ?? 0o644);
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(0),
      u16(method),
      u16(0),
      u16(0),
      u32(crc),
      u32(data.length),
      u32(size),
      u16(name.length),
      u16(0),
      name,
      data,
    ]);
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(0x031e),
        u16(20),
        u16(0),
        u16(method),
        u16(0),
        u16(0),
        u32(crc),
        u32(data.length),
        u32(size),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(mode * 0x10000),
        u32(offset),
        name,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(entries.length),
    u16(entries.length),
    u32(directory.length),
    u32(offset),
    u16(0),
  ]);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A zip with one stored file of `size` bytes, generated while it is sent (never held in memory):
 * local header with a data descriptor, the data, the descriptor, then the central directory.
 */
export function* largeZip(size: number, chunk = Buffer.alloc(1024 * 1024, 0x61)): Generator<Buffer> {
  const name = Buffer.from('big.bin');
  const local = Buffer.concat([
    u32(0x04034b50),
    u16(20),
    u16(0x0008),
    u16(0),
    u16(0),
    u16(0),
    u32(0),
    u32(0),
    u32(0),
    u16(name.length),
    u16(0),
    name,
  ]);
  yield local;
  let crc = 0;
  let sent = 0;
  while (sent < size) {
    const piece = size - sent >= chunk.length ? chunk : chunk.subarray(0, size - sent);
    crc = crc32(piece, crc);
    sent += piece.length;
    yield piece;
  }
  yield Buffer.concat([u32(0x08074b50), u32(crc), u32(size), u32(size)]);
  const centralOffset = local.length + size + 16;
  const central = Buffer.concat([
    u32(0x02014b50),
    u16(0x031e),
    u16(20),
    u16(0x0008),
    u16(0),
    u16(0),
    u16(0),
    u32(crc),
    u32(size),
    u32(size),
    u16(name.length),
    u16(0),
    u16(0),
    u16(0),
    u16(0),
    u32(0o100644 * 0x10000),
    u32(0),
    name,
  ]);
  yield central;
  yield Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(1),
    u16(1),
    u32(central.length),
    u32(centralOffset),
    u16(0),
  ]);
}
