import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { MigrationArchiveDto } from '../api/index.js';
import { writeFileAtomic } from './atomic-file.js';
import type { Progress } from './progress.js';

// Finalize keeps the embedded database as an archive, not a folder: <home>/migration/archive/
// pgdata-<time>.tar with a .sha256 beside it (`sha256sum -c` checks it). Plain tar, no compression:
// it is written once and rarely read, and gzip would cost minutes on two cores for little.

async function entries(
  root: string,
): Promise<{ relative: string; directory: boolean; size: number; mode: number; mtime: Date }[]> {
  const out: { relative: string; directory: boolean; size: number; mode: number; mtime: Date }[] = [];
  const walk = async (relative: string) => {
    const absolute = path.join(root, relative);
    const info = await lstat(absolute);
    if (info.isDirectory()) {
      out.push({ relative, directory: true, size: 0, mode: info.mode & 0o7777, mtime: info.mtime });
      for (const name of (await readdir(absolute)).sort())
        await walk(relative ? `${relative}/${name}` : name);
    } else if (info.isFile()) {
      out.push({ relative, directory: false, size: info.size, mode: info.mode & 0o7777, mtime: info.mtime });
    }
  };
  await walk('');
  return out;
}

export async function archiveDataFolder(
  dataDir: string,
  archiveDir: string,
  progress: Progress,
): Promise<MigrationArchiveDto> {
  await mkdir(archiveDir, { recursive: true, mode: 0o700 });
  const name = `pgdata-${new Date().toISOString().replace(/[:.]/g, '-')}.tar`;
  const file = path.join(archiveDir, name);
  const part = `${file}.part`;
  const list = await entries(dataDir);
  const counter = progress.counter('archive', `archiving ${dataDir}`, {
    bytes: list.reduce((sum, entry) => sum + entry.size, 0),
    items: list.length,
    unit: 'files',
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const pack = tar.pack();
  const writing = pipeline(
    pack,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    }),
    createWriteStream(part, { mode: 0o600 }),
  );
  for (const entry of list) {
    const header = {
      name: entry.relative ? `pgdata/${entry.relative}` : 'pgdata',
      mode: entry.mode,
      mtime: entry.mtime,
      type: entry.directory ? ('directory' as const) : ('file' as const),
      size: entry.size,
    };
    if (entry.directory) {
      await new Promise<void>((resolve, reject) =>
        pack.entry(header, (error) => (error ? reject(error) : resolve())),
      );
    } else {
      const sink = pack.entry(header);
      await pipeline(createReadStream(path.join(dataDir, ...entry.relative.split('/'))), sink);
    }
    counter.add(entry.size, 1);
  }
  pack.finalize();
  await writing;
  await rename(part, file);
  const sha256 = hash.digest('hex');
  await writeFileAtomic(`${file}.sha256`, `${sha256}  ${name}\n`, 0o600);
  counter.done(`archived to ${file}`);
  return { path: file, sha256, bytes };
}
