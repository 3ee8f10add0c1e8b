import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A server bundle built by `npm run bundle:server`, ready to upload. */
export interface ServerBundle {
  archive: string;
  /** `flotilla-node-<version>-<os>-<arch>`: the archive's name and its top folder. */
  name: string;
  version: string;
  sha256: string;
}

const NAME = /^flotilla-node-(.+)-linux-x64$/;

export async function readServerBundle(archive: string): Promise<ServerBundle> {
  const name = path.basename(archive).replace(/\.tar\.gz$/, '');
  const match = NAME.exec(name);
  if (!match?.[1])
    throw new Error(`${archive} is not a linux-x64 server bundle: build one with npm run bundle:server.`);
  // The build writes the checksum beside the archive; hash it ourselves when that file is missing.
  const recorded = await readFile(`${archive}.sha256`, 'utf8').catch(() => null);
  const sha256 = recorded?.split(/\s+/, 1)[0] ?? (await sha256File(archive));
  return { archive, name, version: match[1], sha256 };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
