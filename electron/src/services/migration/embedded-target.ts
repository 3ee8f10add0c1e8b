import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { livePid, startDetached, stopPidFile, waitUntil } from './detached-process.js';
import type { ServerNodeCli } from './local-engine-host.js';

/**
 * The "external" database for trying the migration on one machine: `flotilla-node postgres`, an embedded
 * PostgreSQL of its own with an empty database, started detached in a folder of the console (the cluster
 * lives on it after the switch, so it outlives the console like the node does). It listens on 127.0.0.1:
 * nodes on this machine reach it, other hosts do not.
 */
export class EmbeddedTarget {
  constructor(
    private readonly server: ServerNodeCli,
    readonly dir: string,
  ) {}

  private get pidFile(): string {
    return path.join(this.dir, 'postgres.pid');
  }

  private get log(): string {
    return path.join(this.dir, 'postgres.log');
  }

  /** Starts it unless it runs; resolves with its URL (password included: it goes to the vault). */
  async start(): Promise<string> {
    const running = await livePid(this.pidFile);
    const started =
      running ??
      (await startDetached(this.server, ['postgres', '--dir', this.dir, '--json'], { log: this.log }));
    return waitUntil(
      async () => ((await livePid(this.pidFile)) === null ? null : this.announcedUrl(started)),
      { pid: started, log: this.log, what: 'The embedded target PostgreSQL', timeoutMs: 90_000 },
    );
  }

  stop(): Promise<void> {
    return stopPidFile(this.pidFile);
  }

  /** The URL the running process printed (its JSON line in the log). */
  private async announcedUrl(pid: number): Promise<string | null> {
    const lines = (await readFile(this.log, 'utf8').catch(() => '')).split('\n').reverse();
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const announced = JSON.parse(line) as { dbUrl?: unknown; pid?: unknown };
        if (typeof announced.dbUrl === 'string' && announced.pid === pid) return announced.dbUrl;
      } catch {
        // not the announcement
      }
    }
    return null;
  }
}
