import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { migrationDir } from './migration-journal.js';
import { isAlive } from './process-alive.js';

// During the switch's window the node is stopped, and the migrate CLI answers on the node's port
// instead (window-responder.ts): 503 "maintenance: migration in progress" for every request, so users
// and the balancer see a clear answer rather than refused connections. When the node starts again it
// takes the port back (listenTakingOver, which `flotilla-node run` listens with), so the hand-over
// costs the time between two bind attempts, not the node's whole start-up.

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

async function readRecord(home: string): Promise<ResponderRecord | null> {
  const text = await readFile(responderFile(home), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const record = JSON.parse(text) as ResponderRecord;
    return isAlive(record.pid) ? record : null;
  } catch {
    return null;
  }
}

/** How long a starting node keeps trying for the port once it asked the responder to let go. */
const TAKE_OVER_MS = 5000;

/**
 * How a starting node listens (`flotilla-node run`): if its port is taken by a migration's responder,
 * it asks the responder to let go and binds again and again meanwhile, so the port is unanswered for
 * the time between two bind attempts only (not for a request's round trip). Any other EADDRINUSE is
 * the caller's to report, as before.
 */
export async function listenTakingOver(home: string, listen: () => Promise<unknown>): Promise<void> {
  try {
    await listen();
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const record = await readRecord(home);
    if (!record) throw error;
    void fetch(`${record.url}${HANDOFF_PATH}`, {
      method: 'POST',
      headers: { [HANDOFF_TOKEN_HEADER]: record.token },
      signal: AbortSignal.timeout(TAKE_OVER_MS),
    }).catch(() => undefined);
  }
  const deadline = Date.now() + TAKE_OVER_MS;
  for (;;) {
    try {
      await listen();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
