import { buffer } from 'node:stream/consumers';
import { ZipFile } from 'yazl';

export interface ZipEntry {
  name: string;
  data: Buffer | string;
}

/** A zip archive of whole in-memory files, deflated (a support bundle: text, a few MB), written by yazl. */
export async function writeZip(entries: ZipEntry[], at = new Date()): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    zip.addBuffer(data, entry.name, { mtime: at });
  }
  zip.end();
  return buffer(zip.outputStream);
}
