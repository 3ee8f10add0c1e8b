import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

// The cluster's shared folder carries a sentinel with the cluster id. A node that does not find it
// is looking at some other folder (the classic HA mistake: a node writing to a local disk) and
// must not run, or logs and packages would go "missing" depending on which node answers.

export const SENTINEL_FILE = '.flotilla-cluster';

export async function writeSentinel(sharedDir: string, clusterId: string): Promise<void> {
  await mkdir(sharedDir, { recursive: true });
  await writeFile(path.join(sharedDir, SENTINEL_FILE), JSON.stringify({ clusterId }) + '\n');
}

/** Returns null when the folder is the cluster's, else a sentence saying what is wrong and how to fix it. */
export async function checkSentinel(sharedDir: string, clusterId: string): Promise<string | null> {
  const file = path.join(sharedDir, SENTINEL_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => error);
  if (text instanceof Error) {
    const why = text.code === 'ENOENT' ? 'it is not there' : text.message;
    return (
      `Shared storage ${sharedDir} is not this cluster's: the sentinel ${file} cannot be read (${why}). ` +
      `This node probably sees a local folder instead of the cluster's share. Mount the shared storage at ` +
      `${sharedDir} on this host, or change the cluster-wide path with 'flotilla-node path --shared DIR'.`
    );
  }
  let found: unknown;
  try {
    found = (JSON.parse(text) as { clusterId?: unknown }).clusterId;
  } catch {
    found = undefined;
  }
  if (found !== clusterId) {
    return (
      `Shared storage ${sharedDir} belongs to another cluster (sentinel says ${String(found)}, this cluster is ` +
      `${clusterId}). Point this node at the right share.`
    );
  }
  return null;
}
