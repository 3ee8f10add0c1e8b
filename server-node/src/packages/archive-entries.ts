import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { safeEntryPath } from './entry-path.js';
import type { PackageLimits } from './package-limits.js';
import { ExpansionBudget } from './package-limits.js';
import { PackageRejected } from './package-rejected.js';

export type PackageFormat = 'zip' | 'tar.gz';

export interface ArchiveEntry {
  /** Relative, normalised, checked by safeEntryPath; '' for the root folder itself. */
  path: string;
  directory: boolean;
  /** Unix permission bits, when the archive records them. */
  mode: number | null;
  /** The file's content; call at most once, only for files. */
  open: () => Promise<Readable>;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * Visits every entry of a package in archive order, rejecting anything that could write outside
 * the extraction folder: unsafe paths and every kind of link or special file (a symlink entry
 * followed by a file "through" it is the classic escape), and anything past the cluster's limits on
 * entries and expanded bytes (a zip bomb). Streams; never holds a file in memory.
 */
export async function forEachEntry(
  file: string,
  format: PackageFormat,
  limits: PackageLimits,
  visit: (entry: ArchiveEntry) => Promise<void>,
): Promise<void> {
  const budget = new ExpansionBudget(limits);
  if (format === 'zip') await forEachZipEntry(file, budget, visit);
  else await forEachTarEntry(file, budget, visit);
}

/** An entry's data through the budget's meter; an error on either side ends the other. */
function metered(data: Readable, budget: ExpansionBudget): Readable {
  const meter = budget.meter();
  data.on('error', (error) => meter.destroy(error));
  meter.on('close', () => data.destroy());
  return data.pipe(meter);
}

async function forEachTarEntry(
  file: string,
  budget: ExpansionBudget,
  visit: (entry: ArchiveEntry) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const compressed = createReadStream(file);
  const gunzip = createGunzip();
  const meter = budget.meterArchive();
  const streams: Readable[] = [compressed, gunzip, meter];
  for (const stream of streams) stream.on('error', (error: Error) => extract.destroy(error));
  compressed.pipe(gunzip).pipe(meter).pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type, mode, size } = entry.header;
      if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory') {
        throw new PackageRejected(
          `archive entry ${JSON.stringify(name)} is a ${type ?? 'special entry'}; packages may hold only files and folders`,
        );
      }
      budget.addEntry(type === 'directory' ? 0 : (size ?? 0));
      let opened = false;
      await visit({
        path: safeEntryPath(name),
        directory: type === 'directory',
        mode: mode ?? null,
        open: () => {
          opened = true;
          return Promise.resolve(metered(Readable.from(entry), budget));
        },
      });
      // The next entry comes only after this one's data is consumed.
      if (!opened) for await (const chunk of entry) void chunk;
    }
  } catch (error) {
    for (const stream of streams) stream.destroy();
    if (error instanceof PackageRejected) throw error;
    throw new PackageRejected(`not a readable .tar.gz archive: ${(error as Error).message}`);
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );
}

async function forEachZipEntry(
  file: string,
  budget: ExpansionBudget,
  visit: (entry: ArchiveEntry) => Promise<void>,
): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw new PackageRejected(`not a readable .zip archive: ${(error as Error).message}`);
  }
  try {
    // The central directory says how many entries follow: too many is refused before reading one.
    budget.expectEntries(zip.entryCount);
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (found: yauzl.Entry) => done(null, found);
        const onEnd = () => done(null, null);
        const onError = (error: Error) => done(error, null);
        const done = (error: Error | null, found: yauzl.Entry | null) => {
          zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
          if (error) reject(error);
          else resolve(found);
        };
        zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
        zip.readEntry();
      });
      if (!entry) return;
      const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const kind = unixMode & S_IFMT;
      const directory = entry.fileName.endsWith('/') || kind === S_IFDIR;
      if (kind !== 0 && kind !== S_IFDIR && kind !== S_IFREG) {
        throw new PackageRejected(
          `archive entry ${JSON.stringify(entry.fileName)} is a ${kind === 0o120000 ? 'symbolic link' : 'special file'}; packages may hold only files and folders`,
        );
      }
      if (entry.isEncrypted()) {
        throw new PackageRejected(
          `archive entry ${JSON.stringify(entry.fileName)} is encrypted; upload an unencrypted package`,
        );
      }
      // yauzl also fails an entry whose data runs past the size declared here (validateEntrySizes).
      budget.addEntry(directory ? 0 : entry.uncompressedSize);
      await visit({
        path: safeEntryPath(entry.fileName),
        directory,
        mode: kind === 0 ? null : unixMode & 0o7777,
        open: () =>
          new Promise<Readable>((resolve, reject) =>
            zip.openReadStream(entry, (error, stream) =>
              error ? reject(error) : resolve(metered(stream, budget)),
            ),
          ),
      });
    }
  } catch (error) {
    if (error instanceof PackageRejected) throw error;
    throw new PackageRejected(`not a readable .zip archive: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
}

/** The format from the first bytes: zip local header or empty-zip end record, or gzip magic. */
export function sniffFormat(head: Buffer): PackageFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5))
    return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  return null;
}
