import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

// A running node records its pid in <home>/node.pid (the supervisor script writes the same file for the
// node it starts), so tools on the host find it without a service manager: `migrate switch` stops the
// standalone node through it.

export function nodePidFile(home: string): string {
  return path.join(path.resolve(home), 'node.pid');
}

export async function writeNodePid(home: string): Promise<void> {
  await writeFile(nodePidFile(home), `${process.pid}\n`);
}

/** Removes the file if it still names this process (a restarted node may have written its own). */
export async function removeNodePid(home: string): Promise<void> {
  const text = await readFile(nodePidFile(home), 'utf8').catch(() => '');
  if (Number(text.trim()) === process.pid) await rm(nodePidFile(home), { force: true });
}
