import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrationDir } from './migration-journal.js';

// During the switch's window the node is stopped, and the migrate CLI answers on the node's port
// instead (window-responder.ts): 503 "maintenance: migration in progress" for every request, so users
// and the balancer see a clear answer rather than refused connections. When the node starts again it
// asks the responder for the port (this file's takeOver, called by `flotilla-node run` before it
// listens), so the hand-over costs milliseconds, not the node's whole start-up.

export const HANDOFF_PATH = '/_flotilla/migration-handoff';
export const HANDOFF_TOKEN_HEADER = 'x-flotilla-handoff-token';

export interface ResponderRecord {
  pid: number;
  /** Where the node reaches the responder (loopback when it listens on every address). */
  url: string;
  token: string;
}

export function responderFile(home: string): string {
  return path.join(migrationDir(home), 'responder.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Called by a starting node before it listens: if the migration's responder holds the port, asks it to
 * let go and waits until it has. Returns whether there was one. Never throws: at worst the node's own
 * listen reports the port as taken.
 */
export async function takeOverFromMigrationResponder(home: string): Promise<boolean> {
  const text = await readFile(responderFile(home), 'utf8').catch(() => null);
  if (text === null) return false;
  let record: ResponderRecord;
  try {
    record = JSON.parse(text) as ResponderRecord;
  } catch {
    return false;
  }
  if (!isAlive(record.pid)) return false;
  for (let attempt = 0; attempt < 3; attempt++) {
    const released = await fetch(`${record.url}${HANDOFF_PATH}`, {
      method: 'POST',
      headers: { [HANDOFF_TOKEN_HEADER]: record.token },
      signal: AbortSignal.timeout(2000),
    })
      .then((response) => response.ok)
      .catch(() => false);
    if (released) return true;
    await sleep(100);
  }
  return false;
}
