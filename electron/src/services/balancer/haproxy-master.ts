import type { BalancerHost } from './balancer-host.js';

export interface HaproxyProcesses {
  masterPid: number;
  reloads: number;
  failedReloads: number;
  /** Current workers (not the old ones still finishing their connections). */
  workers: { pid: number; reloads: number }[];
}

export interface HaproxyReloadResult {
  /** The worker serving the new configuration. */
  workerPid: number;
  reloads: number;
  durationMs: number;
}

export class HaproxyReloadError extends Error {
  override name = 'HaproxyReloadError';
}

/** `show proc` on the master CLI (HAProxy 2.6 layout). */
export function parseShowProc(text: string): HaproxyProcesses {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  if (!master) throw new HaproxyReloadError(`not "show proc" output: ${text.slice(0, 200)}`);
  const workers: HaproxyProcesses['workers'] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) section = line;
    else if (section === '# workers') {
      const worker = /^(\d+)\s+worker\s+(\d+)/.exec(line);
      if (worker) workers.push({ pid: Number(worker[1]), reloads: Number(worker[2]) });
    }
  }
  return {
    masterPid: Number(master[1]),
    reloads: Number(master[2]),
    failedReloads: Number(master[3]),
    workers,
  };
}

/**
 * HAProxy's master CLI (`-S <socket>` in master-worker mode, as Debian's unit runs it). A reload re-reads
 * the configuration file; the new worker takes the listening sockets over from the old one
 * (`expose-fd listeners`), and the old one finishes its open connections, so nothing is refused.
 */
export class HaproxyMaster {
  constructor(
    private readonly host: BalancerHost,
    readonly socketPath: string,
  ) {}

  async processes(): Promise<HaproxyProcesses> {
    return parseShowProc(await this.host.askSocket(this.socketPath, 'show proc'));
  }

  /** Reloads and resolves once a new worker runs; rejects if HAProxy kept the old configuration. */
  async reload(timeoutMs = 15_000): Promise<HaproxyReloadResult> {
    const started = Date.now();
    const before = await this.processes();
    const oldWorkers = new Set(before.workers.map((worker) => worker.pid));
    // The master closes this connection when it re-executes itself; that is the only answer.
    await this.host.askSocket(this.socketPath, 'reload');
    for (;;) {
      // The master is briefly away while it re-executes itself.
      const now = await this.processes().catch(() => null);
      if (now) {
        if (now.failedReloads > before.failedReloads) {
          throw new HaproxyReloadError(
            `HAProxy on ${this.host.description} could not load its configuration and kept the previous one: ` +
              'check it with haproxy -c.',
          );
        }
        const fresh =
          now.reloads > before.reloads
            ? now.workers.find((worker) => !oldWorkers.has(worker.pid) && worker.reloads === 0)
            : undefined;
        if (fresh) return { workerPid: fresh.pid, reloads: now.reloads, durationMs: Date.now() - started };
      }
      if (Date.now() - started > timeoutMs) {
        throw new HaproxyReloadError(
          `HAProxy on ${this.host.description} did not finish reloading within ${timeoutMs} ms.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
